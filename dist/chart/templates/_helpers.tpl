{{/*
The chart's name, truncated to 63 characters.
*/}}
{{- define "chart.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object's name: the release name, followed by the chart's name unless the
release name contains it. Release apig-operator names the objects as config/default does.
*/}}
{{- define "chart.fullname" -}}
{{- $name := include "chart.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
The labels of every object.
*/}}
{{- define "chart.labels" -}}
{{- if .Chart.AppVersion -}}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | quote }}
app.kubernetes.io/name: {{ include "chart.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The labels that select the manager's Pods.
*/}}
{{- define "chart.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chart.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: controller-manager
{{- end }}

{{/*
The manager's ServiceAccount, which every binding names.
*/}}
{{- define "chart.serviceAccountName" -}}
{{- include "chart.fullname" . }}-controller-manager
{{- end }}

{{/*
A subject list of the manager's ServiceAccount.
*/}}
{{- define "chart.managerSubjects" -}}
subjects:
- kind: ServiceAccount
  name: {{ include "chart.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end }}

{{/*
Where the Secrets and ConfigMaps of ClusterApiGateways are read: manager.clusterResourceNamespace,
or the release namespace.
*/}}
{{- define "chart.clusterResourceNamespace" -}}
{{- .Values.manager.clusterResourceNamespace | default .Release.Namespace }}
{{- end }}

{{/*
The watched namespaces, comma-separated for --watch-namespace; the namespaced RBAC mode needs
at least one.
*/}}
{{- define "chart.watchNamespaces" -}}
{{- $ns := .Values.manager.watchNamespaces | default list }}
{{- if and .Values.rbac.namespaced (eq (len $ns) 0) }}
{{- fail "rbac.namespaced needs manager.watchNamespaces: the manager may then act in those namespaces only" }}
{{- end }}
{{- join "," $ns }}
{{- end }}
