-- wrk script: POST objects with unique names until LIMIT responses came back.
--   wrk -s create.lua URL/api/v1/namespaces/default/pods  (env: KIND=pod|configmap, LIMIT, PREFIX)
local kind = os.getenv("KIND") or "pod"
local limit = tonumber(os.getenv("LIMIT") or "10000")
local prefix = os.getenv("PREFIX") or "p"
local counter = 0
local done = 0
local id = 0
local threads = {}

function setup(thread)
  id = id + 1
  thread:set("tid", id)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local name = prefix .. "-" .. tid .. "-" .. counter
  local body
  if kind == "pod" then
    body = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"' .. name .. '","labels":{"app":"bench"}},' ..
           '"spec":{"containers":[{"name":"c","image":"registry.k8s.io/pause:3.9",' ..
           '"resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}]}}'
  else
    body = '{"metadata":{"name":"' .. name .. '"},"data":{"k":"v"}}'
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  done = done + 1
  if done >= limit then wrk.thread:stop() end
end
