-- Argo CD health check for ApiExport (publishing.apig-operator.dev/v1alpha1).
-- The operator always writes a Ready condition; Reconciling and Stalled are
-- present only while True.
local hs = {}

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
  hs.message = describe(ready, describe(stalled, "The export cannot succeed without a change"))
  return hs
end
if reconciling ~= nil then
  hs.status = "Progressing"
  hs.message = describe(reconciling, "Exporting")
  return hs
end
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
  return hs
end
if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "The target holds the current document")
  return hs
end
if ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready, "The export failed")
  return hs
end
hs.status = "Progressing"
hs.message = describe(ready, "Exporting")
return hs
