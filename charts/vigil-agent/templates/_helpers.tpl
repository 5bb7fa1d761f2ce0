{{- define "vigil-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "vigil-agent.fullname" -}}
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

{{- define "vigil-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vigil-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "vigil-agent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "vigil-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: agent
app.kubernetes.io/part-of: vigil
{{- end }}

{{- define "vigil-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vigil-agent.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "vigil-agent.secretName" -}}
{{- default (printf "%s-token" (include "vigil-agent.fullname" .)) .Values.token.existingSecret }}
{{- end }}

{{- define "vigil-agent.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
agent.yaml: the user's extra keys, then the keys the chart owns. The token and the agent id come
from the environment (VIGIL_TOKEN from the Secret, VIGIL_AGENT_ID from the node name).
*/}}
{{- define "vigil-agent.config" -}}
{{- $config := deepCopy .Values.config }}
{{- $_ := set $config "collector" (required "collector.address is required (HOST:PORT of the collector's gRPC service)" .Values.collector.address) }}
{{- $_ := set $config "interval" .Values.interval }}
{{- $_ := set $config "spool_dir" "/var/lib/vigil-agent/spool" }}
{{- $_ := set $config "host_root" (ternary "/host/root" "/" .Values.hostMounts.enabled) }}
{{- with .Values.labels }}
{{- $_ := set $config "labels" . }}
{{- end }}
{{- with .Values.probes }}
{{- $_ := set $config "probes" . }}
{{- end }}
{{- if .Values.tls.enabled }}
{{- $tls := dict "enabled" true "ca" "/etc/vigil/tls/ca.crt" }}
{{- if .Values.tls.clientCertificate }}
{{- $_ := set $tls "cert" "/etc/vigil/tls/tls.crt" }}
{{- $_ := set $tls "key" "/etc/vigil/tls/tls.key" }}
{{- end }}
{{- with .Values.tls.serverName }}
{{- $_ := set $tls "server_name" . }}
{{- end }}
{{- $_ := set $config "tls" $tls }}
{{- end }}
{{- toYaml $config }}
{{- end }}
