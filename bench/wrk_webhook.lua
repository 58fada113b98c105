-- wrk script: POST pre-signed LINE webhook bodies, each thread from its own file, in order
-- (a user's register-then-confirm stays in sequence). Files: <prefix><thread>.txt, lines
-- "signature<TAB>body". Set BODIES to the prefix in the environment.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  lines = {}
  local path = os.getenv("BODIES") .. id .. ".txt"
  for line in io.lines(path) do
    local tab = string.find(line, "\t", 1, true)
    table.insert(lines, { string.sub(line, 1, tab - 1), string.sub(line, tab + 1) })
  end
  index = 0
end

function request()
  index = index + 1
  if index > #lines then index = 1 end
  local item = lines[index]
  return wrk.format("POST", "/callback",
    { ["Content-Type"] = "application/json", ["X-Line-Signature"] = item[1] }, item[2])
end
