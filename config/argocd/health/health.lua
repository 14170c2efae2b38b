-- Argo CD health check for ApiGateway, ClusterApiGateway, ApiPublication and ApiExport
-- (publishing.apig-operator.dev/v1alpha1): one script under the key of each kind.
-- It follows the operator's condition table, with Argo CD's check for the Flux kinds as
-- the model. The operator always writes a Ready condition; Reconciling and Stalled are
-- present only while True.
--   being deleted                                     Progressing
--   latest generation not seen yet, or no Ready yet   Progressing
--   spec.suspend (ApiPublication; Ready=False)        Suspended
--   Stalled=True, or Ready=False (retried or not)     Degraded
--   Ready=True (Succeeded, InSync)                    Healthy
--   Ready=Unknown, or Reconciling=True with Ready     Progressing
--   not False (calls in flight, DataArts waits)
-- Ready=False is Degraded even if Reconciling were True: Progressing means work under
-- way, never a failed attempt.
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
-- A ClusterApiGateway is an ApiGateway for the namespaces it admits, with the same status.
fallbacks.ClusterApiGateway = fallbacks.ApiGateway
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

local ready
local reconciling
local stalled
if obj.status ~= nil and obj.status.conditions ~= nil then
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

local metadata = obj.metadata or {}

-- Deletion waits for the finalizer: the deletionPolicy is carried out, or cannot be yet
-- (the Ready message says why).
if metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  if ready ~= nil and ready.status ~= "True" then
    hs.message = "Pending deletion: " .. describe(ready, "waiting for the operator")
  elseif metadata.finalizers ~= nil and #metadata.finalizers > 0 then
    hs.message = "Pending deletion; waiting for finalizers: " .. table.concat(metadata.finalizers, ", ")
  else
    hs.message = "Pending deletion"
  end
  return hs
end

if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
  return hs
end

-- Conditions written for an older generation say nothing about the current spec.
local generation = tonumber(metadata.generation)
local function behind(observed)
  observed = tonumber(observed)
  return generation ~= nil and observed ~= nil and observed < generation
end
if behind(obj.status.observedGeneration) or (ready ~= nil and behind(ready.observedGeneration)) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to see generation " .. generation
  return hs
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
  return hs
end

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  if ready.reason == "Suspended" then
    hs.message = describe(ready, "Reconciliation is suspended (spec.suspend)")
  else
    hs.message = "Reconciliation is suspended (spec.suspend)"
  end
  return hs
end

if stalled ~= nil then
  hs.status = "Degraded"
  hs.message = describe(ready, describe(stalled, say.stalled))
  return hs
end

if ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready, say.degraded)
  return hs
end

if ready.status == "True" and reconciling == nil then
  hs.status = "Healthy"
  hs.message = describe(ready, say.healthy)
  return hs
end

hs.status = "Progressing"
hs.message = describe(reconciling, describe(ready, say.progressing))
return hs
