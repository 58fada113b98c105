/* Draw LINE messages (text, image, Flex, templates) as DOM nodes.
 *
 * Every string from a message goes in through textContent or a DOM property, never innerHTML:
 * message text is data, whoever wrote it. What this renderer does not know is shown as a
 * readable fallback (the altText, or a short JSON summary), never dropped.
 */
(function () {
  "use strict";

  var TEXT_SIZES = { xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, "3xl": 35, "4xl": 48, "5xl": 74 };
  var SPACING = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
  var RADIUS = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
  var BORDER = { none: 0, light: 0.5, normal: 1, medium: 2, "semi-bold": 3, bold: 4 };
  var IMAGE_SIZES = { xxs: 40, xs: 60, sm: 80, md: 100, lg: 120, xl: 140, xxl: 160, "3xl": 180, "4xl": 200, "5xl": 220 };
  var BUBBLE_WIDTHS = { nano: 120, micro: 160, deca: 220, hecto: 241, kilo: 260, mega: 300, giga: 386 };
  var BLOCK_PADDING = { header: "20px", hero: "0px", body: "20px", footer: "10px" };
  var ALIGN = { start: "flex-start", end: "flex-end", center: "center" };
  var GRAVITY = { top: "flex-start", bottom: "flex-end", center: "center" };

  function el(tag, cls) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    return node;
  }

  function length(value, table) {
    if (value === undefined || value === null) return null;
    if (table && Object.prototype.hasOwnProperty.call(table, value)) return table[value] + "px";
    if (typeof value === "string" && /^\d+(\.\d+)?(px|%)$/.test(value)) return value;
    return null;
  }

  function colour(value) {
    // Only colours LINE accepts (#RRGGBB or #RRGGBBAA); anything else is ignored, as LINE would refuse it.
    return typeof value === "string" && /^#([0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/.test(value) ? value : null;
  }

  function summary(node, limit) {
    var json;
    try { json = JSON.stringify(node); } catch (e) { json = String(node); }
    limit = limit || 400;
    return json.length > limit ? json.slice(0, limit) + " …" : json;
  }

  function fallback(kind, node, altText) {
    var box = el("div", "fallback");
    var title = el("span", "kind");
    title.textContent = "[" + kind + "] ตัวจำลองยังแสดงส่วนนี้ไม่ได้";
    box.appendChild(title);
    if (altText) {
      var alt = el("div");
      alt.textContent = altText;
      box.appendChild(alt);
    }
    var pre = el("pre");
    pre.textContent = summary(node);
    box.appendChild(pre);
    return box;
  }

  function actionLabel(action) {
    return (action && (action.label || action.text || action.displayText)) || "";
  }

  function clickable(node, action, onAction) {
    if (!action || typeof action !== "object") return;
    node.classList.add("clickable");
    node.addEventListener("click", function (ev) {
      ev.stopPropagation();
      onAction(action);
    });
  }

  /* --- Flex components --------------------------------------------------------------------- */

  function applyCommon(node, c, parentLayout) {
    var horizontal = parentLayout === "horizontal" || parentLayout === "baseline";
    var flex = c.flex;
    if (flex === undefined) flex = horizontal ? 1 : 0;
    if (c.type === "filler") flex = c.flex === undefined ? 1 : c.flex;
    // Icons and spacers keep their own size: LINE gives them no flex.
    if (c.type === "icon" || c.type === "spacer") flex = 0;
    if (horizontal) {
      node.style.flex = flex > 0 ? flex + " 1 0px" : "0 0 auto";
      node.style.minWidth = "0";
    } else {
      node.style.flex = flex > 0 ? flex + " 1 auto" : "0 0 auto";
    }
    if (c.gravity && horizontal && parentLayout !== "baseline" && GRAVITY[c.gravity]) node.style.alignSelf = GRAVITY[c.gravity];
    if (c.position === "absolute") {
      node.style.position = "absolute";
      ["Top", "Bottom", "Start", "End"].forEach(function (side) {
        var v = length(c["offset" + side], SPACING);
        if (v) node.style[{ Top: "top", Bottom: "bottom", Start: "left", End: "right" }[side]] = v;
      });
    } else {
      ["Top", "Bottom", "Start", "End"].forEach(function (side) {
        var v = length(c["offset" + side], SPACING);
        if (v) {
          node.style.position = "relative";
          node.style[{ Top: "top", Bottom: "bottom", Start: "left", End: "right" }[side]] = v;
        }
      });
    }
  }

  function renderBox(c, onAction) {
    var node = el("div", "flex-box");
    var layout = c.layout === "horizontal" || c.layout === "baseline" ? c.layout : "vertical";
    node.style.flexDirection = layout === "vertical" ? "column" : "row";
    if (layout === "baseline") node.style.alignItems = "baseline";
    // LINE's values are CSS's own; the style object ignores anything else.
    if (typeof c.justifyContent === "string") node.style.justifyContent = c.justifyContent;
    if (typeof c.alignItems === "string") node.style.alignItems = c.alignItems;
    var bg = colour(c.backgroundColor);
    if (bg) node.style.backgroundColor = bg;
    if (c.background && c.background.type === "linearGradient") {
      var start = colour(c.background.startColor), end = colour(c.background.endColor);
      var angle = /^\d+(\.\d+)?deg$/.test(c.background.angle || "") ? c.background.angle : "0deg";
      if (start && end) node.style.backgroundImage = "linear-gradient(" + angle + ", " + start + ", " + end + ")";
    }
    var bc = colour(c.borderColor), bw = length(c.borderWidth, BORDER);
    if (bw) { node.style.borderStyle = "solid"; node.style.borderWidth = bw; node.style.borderColor = bc || "#000000"; }
    var radius = length(c.cornerRadius, RADIUS);
    if (radius) { node.style.borderRadius = radius; node.style.overflow = "hidden"; }
    var pad = length(c.paddingAll, SPACING);
    if (pad) node.style.padding = pad;
    [["paddingTop", "paddingTop"], ["paddingBottom", "paddingBottom"], ["paddingStart", "paddingLeft"], ["paddingEnd", "paddingRight"]]
      .forEach(function (p) { var v = length(c[p[0]], SPACING); if (v) node.style[p[1]] = v; });
    ["width", "maxWidth", "height", "maxHeight"].forEach(function (prop) {
      var v = length(c[prop]);
      if (v) node.style[prop] = v;
    });
    var spacing = length(c.spacing, SPACING);
    var contents = Array.isArray(c.contents) ? c.contents : [];
    contents.forEach(function (child, i) {
      var childNode = renderComponent(child, layout, onAction);
      if (!childNode) return;
      if (i > 0) {
        // A child's margin replaces the box's spacing before it, as in LINE.
        var gap = length(child && child.margin, SPACING) || spacing;
        if (gap) childNode.style[layout === "vertical" ? "marginTop" : "marginLeft"] = gap;
      }
      node.appendChild(childNode);
    });
    clickable(node, c.action, onAction);
    return node;
  }

  function styleText(node, c) {
    var size = length(c.size, TEXT_SIZES);
    if (size) node.style.fontSize = size;
    if (c.weight === "bold") node.style.fontWeight = "700";
    var col = colour(c.color);
    if (col) node.style.color = col;
    if (c.style === "italic") node.style.fontStyle = "italic";
    if (c.decoration === "underline" || c.decoration === "line-through") node.style.textDecoration = c.decoration;
  }

  function renderText(c, onAction) {
    var node = el("div", "flex-text " + (c.wrap ? "wrap" : "nowrap"));
    node.style.fontSize = TEXT_SIZES.md + "px";
    node.style.color = "#111111";
    styleText(node, c);
    if (c.align === "center" || c.align === "end") node.style.textAlign = c.align === "end" ? "right" : "center";
    if (c.wrap && c.maxLines > 0) {
      node.style.display = "-webkit-box";
      node.style.webkitBoxOrient = "vertical";
      node.style.webkitLineClamp = String(c.maxLines);
      node.style.overflow = "hidden";
    }
    var ls = length(c.lineSpacing);
    if (ls) node.style.lineHeight = "calc(1.4em + " + ls + ")";
    if (Array.isArray(c.contents) && c.contents.length) {
      c.contents.forEach(function (span) {
        var s = el("span");
        s.textContent = span && typeof span.text === "string" ? span.text : "";
        if (span) styleText(s, span);
        node.appendChild(s);
      });
    } else {
      node.textContent = typeof c.text === "string" ? c.text : "";
    }
    clickable(node, c.action, onAction);
    return node;
  }

  function renderButton(c, onAction) {
    var node = el("button", "flex-button");
    node.type = "button";
    var style = c.style || "link";
    var col = colour(c.color);
    if (style === "primary") {
      node.style.backgroundColor = col || "#17C950";
      node.style.color = "#FFFFFF";
    } else if (style === "secondary") {
      node.style.backgroundColor = col || "#DCDFE5";
      node.style.color = "#111111";
    } else {
      node.style.backgroundColor = "transparent";
      node.style.color = col || "#42659A";
    }
    node.style.height = c.height === "sm" ? "40px" : "52px";
    var label = el("span");
    label.textContent = actionLabel(c.action);
    node.appendChild(label);
    node.title = actionLabel(c.action);
    if (c.action) {
      node.addEventListener("click", function (ev) { ev.stopPropagation(); onAction(c.action); });
    } else {
      node.disabled = true;
    }
    return node;
  }

  function renderSeparator(c, parentLayout) {
    var node = el("div", "flex-sep");
    var col = colour(c.color) || "#D4D6DA";
    if (parentLayout === "vertical") { node.style.borderTop = "1px solid " + col; node.style.width = "100%"; }
    else node.style.borderLeft = "1px solid " + col;
    return node;
  }

  function renderImage(c, parentLayout, onAction) {
    var wrap = el("div", "flex-image");
    var size = c.size || "md";
    var width = size === "full" ? "100%" : length(size, IMAGE_SIZES) || "100px";
    wrap.style.width = width;
    wrap.style.maxWidth = "100%";
    var ratio = /^(\d+(\.\d+)?):(\d+(\.\d+)?)$/.exec(c.aspectRatio || "1:1");
    if (ratio) wrap.style.aspectRatio = ratio[1] + " / " + ratio[3];
    var bg = colour(c.backgroundColor);
    if (bg) wrap.style.backgroundColor = bg;
    if (parentLayout === "vertical") {
      var align = c.align || "center";
      wrap.style.alignSelf = ALIGN[align] || "center";
    }
    var img = el("img");
    img.alt = "รูปภาพ";
    img.style.objectFit = c.aspectMode === "cover" ? "cover" : "contain";
    img.addEventListener("error", function () {
      wrap.classList.add("broken");
      wrap.textContent = "รูปภาพ (เปิดไม่ได้)";
    });
    img.src = typeof c.url === "string" ? c.url : "";
    wrap.appendChild(img);
    clickable(wrap, c.action, onAction);
    return wrap;
  }

  function renderIcon(c) {
    var img = el("img");
    var size = length(c.size, TEXT_SIZES) || TEXT_SIZES.md + "px";
    img.style.width = size;
    img.style.height = size;
    img.alt = "";
    img.src = typeof c.url === "string" ? c.url : "";
    return img;
  }

  function renderSpacer(c, parentLayout) {
    var node = el("div");
    var size = length(c.size || "md", SPACING) || "8px";
    node.style[parentLayout === "vertical" ? "height" : "width"] = size;
    return node;
  }

  function renderComponent(c, parentLayout, onAction) {
    if (!c || typeof c !== "object") return null;
    var node;
    switch (c.type) {
      case "box": node = renderBox(c, onAction); break;
      case "text": node = renderText(c, onAction); break;
      case "span": node = renderText({ type: "text", text: c.text, size: c.size, weight: c.weight, color: c.color, wrap: true }, onAction); break;
      case "button": node = renderButton(c, onAction); break;
      case "separator": node = renderSeparator(c, parentLayout); break;
      case "image": node = renderImage(c, parentLayout, onAction); break;
      case "icon": node = renderIcon(c); break;
      case "filler": node = el("div"); break;
      case "spacer": node = renderSpacer(c, parentLayout); break;
      case "video":
        node = c.altContent ? renderComponent(c.altContent, parentLayout, onAction) : fallback("video", c);
        break;
      default: node = fallback(String(c.type || "ไม่ทราบชนิด"), c);
    }
    if (node) applyCommon(node, c, parentLayout);
    return node;
  }

  /* --- bubbles and carousels ----------------------------------------------------------------- */

  function renderBubble(b, onAction) {
    if (!b || b.type !== "bubble") return fallback(String((b && b.type) || "bubble"), b);
    var node = el("div", "flex-bubble");
    node.style.width = (BUBBLE_WIDTHS[b.size] || BUBBLE_WIDTHS.mega) + "px";
    var styles = b.styles || {};
    var first = true;
    ["header", "hero", "body", "footer"].forEach(function (name) {
      var part = b[name];
      if (!part) return;
      var blockStyle = styles[name] || {};
      var block = el("div", "flex-block flex-" + name);
      var bg = colour(blockStyle.backgroundColor);
      if (bg) block.style.backgroundColor = bg;
      if (blockStyle.separator && !first) block.style.borderTop = "1px solid " + (colour(blockStyle.separatorColor) || "#D4D6DA");
      var inner;
      if (part.type === "box") {
        var padded = Object.assign({}, part);
        if (padded.paddingAll === undefined) padded.paddingAll = BLOCK_PADDING[name];
        inner = renderBox(padded, onAction);
      } else {
        inner = renderComponent(part, "vertical", onAction);
        if (inner && name === "hero") inner.style.width = "100%";
      }
      if (inner) { inner.style.flex = "1 1 auto"; block.appendChild(inner); }
      node.appendChild(block);
      first = false;
    });
    clickable(node, b.action, onAction);
    return node;
  }

  function renderFlex(message, onAction) {
    var contents = message.contents || {};
    if (contents.type === "bubble") return renderBubble(contents, onAction);
    if (contents.type === "carousel") {
      var row = el("div", "flex-carousel");
      (Array.isArray(contents.contents) ? contents.contents : []).forEach(function (b) {
        row.appendChild(renderBubble(b, onAction));
      });
      return row;
    }
    return fallback("flex " + String(contents.type || ""), contents, message.altText);
  }

  /* --- template messages (older than Flex, still handy to draw) -------------------------------- */

  function templateCard(column, onAction, kind) {
    var card = el("div", "template-card " + kind);
    if (column.thumbnailImageUrl) {
      var img = el("img");
      img.src = column.thumbnailImageUrl;
      img.alt = "";
      img.style.width = "100%";
      card.appendChild(img);
    }
    var bodyBox = el("div", "tc-body");
    if (column.title) {
      var title = el("div", "tc-title");
      title.textContent = column.title;
      bodyBox.appendChild(title);
    }
    var text = el("div");
    text.textContent = column.text || "";
    bodyBox.appendChild(text);
    card.appendChild(bodyBox);
    var actions = el("div", "tc-actions");
    (column.actions || []).forEach(function (action) {
      var b = el("button");
      b.type = "button";
      b.textContent = actionLabel(action);
      b.addEventListener("click", function () { onAction(action); });
      actions.appendChild(b);
    });
    card.appendChild(actions);
    return card;
  }

  function renderTemplate(message, onAction) {
    var t = message.template || {};
    if (t.type === "buttons" || t.type === "confirm") return templateCard(t, onAction, t.type);
    if (t.type === "carousel") {
      var row = el("div", "flex-carousel");
      (t.columns || []).forEach(function (col) { row.appendChild(templateCard(col, onAction, "buttons")); });
      return row;
    }
    return fallback("template " + String(t.type || ""), t, message.altText);
  }

  /* --- a whole message ---------------------------------------------------------------------- */

  function renderMessage(message, onAction) {
    if (!message || typeof message !== "object") return fallback("ข้อความ", message);
    switch (message.type) {
      case "text": {
        var bubble = el("div", "bubble-text");
        bubble.textContent = typeof message.text === "string" ? message.text : "";
        return bubble;
      }
      case "image": {
        var img = el("img", "bubble-img");
        img.alt = "รูปภาพ";
        img.src = message.previewImageUrl || message.originalContentUrl || "";
        if (message.originalContentUrl) {
          img.classList.add("clickable");
          img.addEventListener("click", function () { onAction({ type: "uri", uri: message.originalContentUrl }); });
        }
        return img;
      }
      case "flex": return renderFlex(message, onAction);
      case "template": return renderTemplate(message, onAction);
      case "sticker": {
        var s = el("div", "bubble-text");
        s.textContent = "[สติกเกอร์]";
        return s;
      }
      default: return fallback(String(message.type || "ข้อความ"), message, message.altText);
    }
  }

  window.SimFlex = { renderMessage: renderMessage, actionLabel: actionLabel };
})();
