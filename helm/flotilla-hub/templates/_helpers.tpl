{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "flotilla-hub.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of every object: the release name, unless it already contains the chart name. */}}
{{- define "flotilla-hub.fullname" -}}
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

{{- define "flotilla-hub.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flotilla-hub.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "flotilla-hub.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "flotilla-hub.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flotilla
{{- end }}

{{/* True (non-empty) when the hub uses an external PostgreSQL. */}}
{{- define "flotilla-hub.externalDatabase" -}}
{{- if or .Values.database.existingSecret .Values.database.url }}true{{ end }}
{{- end }}

{{/* The Secret the chart creates for values given in plain text. */}}
{{- define "flotilla-hub.secretName" -}}
{{ include "flotilla-hub.fullname" . }}
{{- end }}

{{/* The Secret holding the encryption key: existing, or a separate one the chart keeps. */}}
{{- define "flotilla-hub.secretKeySecretName" -}}
{{- if .Values.secretKey.existingSecret }}{{ .Values.secretKey.existingSecret }}{{ else }}{{ include "flotilla-hub.fullname" . }}-secret-key{{ end }}
{{- end }}

{{/* The Secret holding the audit key: existing, or a separate one the chart keeps. */}}
{{- define "flotilla-hub.auditKeySecretName" -}}
{{- if .Values.auditKey.existingSecret }}{{ .Values.auditKey.existingSecret }}{{ else }}{{ include "flotilla-hub.fullname" . }}-audit-key{{ end }}
{{- end }}

{{/* FLOTILLA_PUBLIC_URL: explicit, else the first ingress host, else the Service's DNS name. */}}
{{- define "flotilla-hub.publicUrl" -}}
{{- if .Values.publicUrl }}
{{- .Values.publicUrl | trimSuffix "/" }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- $host := (first .Values.ingress.hosts).host }}
{{- if .Values.ingress.tls }}https{{ else }}http{{ end }}://{{ $host }}
{{- else }}
{{- printf "http://%s.%s.svc:%v" (include "flotilla-hub.fullname" .) .Release.Namespace .Values.service.port }}
{{- end }}
{{- end }}

{{/* The Secret holding the first admin token: existing, or one the chart generates and keeps. */}}
{{- define "flotilla-hub.adminTokenSecretName" -}}
{{- if .Values.adminToken.existingSecret }}{{ .Values.adminToken.existingSecret }}{{ else }}{{ include "flotilla-hub.fullname" . }}-admin-token{{ end }}
{{- end }}
