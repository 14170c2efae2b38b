-- Argo CD health check for ApiGateway, ApiPublication and ApiExport
-- (publishing.apig-operator.dev/v1alpha1): one script under the key of each kind.
-- The operator always writes a Ready condition; Reconciling and Stalled are
-- present only while True. spec.suspend (ApiPublication) makes Ready False with
-- reason Suspended.
local hs = {}

-- What each kind says when a condition carries neither message nor reason.
local fallbacks = {
  ApiGateway = {
    stalled = "The gateway cannot be reached without a change",
    progressing = "Checking the gateway",
    healthy = "Connected to the gateway",
    degraded = "The gateway cannot be reached",
  },
  ApiPublication = {
    stalled = "No progress is possible without a change",
    progressing = "Changes are in flight",
    healthy = "Every API is in the declared state",
    degraded = "Not every API is in the declared state",
  },
  ApiExport = {
    stalled = "The export cannot succeed without a change",
    progressing = "Exporting",
    healthy = "The target holds the current document",
    degraded = "The export failed",
  },
}
local say = fallbacks[obj.kind] or fallbacks.ApiPublication

-- describe returns a condition's message, else its reason, else the fallback.
local function describe(condition, fallback)
  if condition ~= nil then
    if condition.message ~= nil and condition.message ~= "" then
      return condition.message
    end
    if condition.reason ~= nil and condition.reason ~= "" then
      return condition.reason
    end
  end
  return fallback
end

if obj.status == nil or obj.status.observedGeneration == nil
    or (obj.metadata.generation ~= nil and obj.status.observedGeneration < obj.metadata.generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
  return hs
end

local ready
local reconciling
local stalled
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" then
      ready = condition
    elseif condition.type == "Reconciling" and condition.status == "True" then
      reconciling = condition
    elseif condition.type == "Stalled" and condition.status == "True" then
      stalled = condition
    end
  end
end

if stalled ~= nil then
  hs.status = "Degraded"
  hs.message = describe(ready, describe(stalled, say.stalled))
  return hs
end
if reconciling ~= nil then
  hs.status = "Progressing"
  hs.message = describe(reconciling, say.progressing)
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, say.healthy)
  return hs
end
if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = describe(ready, "Reconciliation is suspended (spec.suspend)")
  return hs
end
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
  return hs
end
if ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready, say.degraded)
  return hs
end
hs.status = "Progressing"
hs.message = describe(ready, say.progressing)
return hs
