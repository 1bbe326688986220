{{- define "flotilla-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of every object: the release name, unless it already contains the chart name. */}}
{{- define "flotilla-agent.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "flotilla-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flotilla-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "flotilla-agent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "flotilla-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flotilla
{{- end }}

{{- define "flotilla-agent.serviceAccountName" -}}
{{- default (include "flotilla-agent.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{/* Namespaces granted in namespaced mode: the listed ones plus the agent's own. */}}
{{- define "flotilla-agent.rbacNamespaces" -}}
{{- $listed := .Values.rbac.namespaces | default .Values.guardrail.allowedNamespaces }}
{{- $all := append $listed .Release.Namespace | uniq }}
{{- toJson $all }}
{{- end }}

{{- /* "true" when the agent's RBAC is Roles per namespace: asked for, or implied by a namespaced guardrail. */ -}}
{{- define "flotilla-agent.namespacedRbac" -}}
{{- if or .Values.rbac.namespaced (and .Values.guardrail.allowedNamespaces (ne (toString .Values.guardrail.allowClusterScoped) "true")) -}}
true
{{- end }}
{{- end }}

{{- define "flotilla-agent.caName" -}}
{{ include "flotilla-agent.fullname" . }}-hub-ca
{{- end }}
