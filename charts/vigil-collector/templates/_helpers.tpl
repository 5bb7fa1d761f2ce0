{{/* Chart name, truncated to the 63 characters Kubernetes names allow. */}}
{{- define "vigil-collector.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped name; the release name alone when it already contains the chart name. */}}
{{- define "vigil-collector.fullname" -}}
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

{{- define "vigil-collector.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vigil-collector.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "vigil-collector.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "vigil-collector.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: collector
app.kubernetes.io/part-of: vigil
{{- end }}

{{- define "vigil-collector.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vigil-collector.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "vigil-collector.secretName" -}}
{{- default (printf "%s-auth" (include "vigil-collector.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{/*
"true" when the collector stores into an external PostgreSQL (postgres.url or postgres.existingSecret), else "".
Fails rendering on settings that cannot work: several replicas on SQLite, or both ways of giving the URL.
*/}}
{{- define "vigil-collector.postgres" -}}
{{- if and .Values.postgres.url .Values.postgres.existingSecret }}
{{- fail "postgres.url and postgres.existingSecret are both set: set one (existingSecret keeps the password out of values)" }}
{{- end }}
{{- if or .Values.postgres.url .Values.postgres.existingSecret }}
{{- printf "true" }}
{{- else if lt 1 (int .Values.replicaCount) }}
{{- fail (printf "replicaCount %d needs an external PostgreSQL (set postgres.url or postgres.existingSecret): with SQLite the collector runs as one replica" (int .Values.replicaCount)) }}
{{- end }}
{{- end }}

{{- define "vigil-collector.postgresSecretName" -}}
{{- default (printf "%s-postgres" (include "vigil-collector.fullname" .)) .Values.postgres.existingSecret }}
{{- end }}

{{- define "vigil-collector.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
collector.yaml: the user's config with the keys the chart owns (storage, listen, tls) set so they
match the volume (or PostgreSQL), ports and TLS Secret mounted in the pod.
*/}}
{{- define "vigil-collector.config" -}}
{{- $config := deepCopy .Values.config }}
{{- if include "vigil-collector.postgres" . }}
{{- /* The URL (with its password) comes from the Secret as VIGIL_STORAGE_URL, never from this ConfigMap. */}}
{{- $_ := set $config "storage" (dict "driver" "postgres") }}
{{- else }}
{{- $_ := set $config "storage" (dict "path" "/var/lib/vigil/vigil.db") }}
{{- end }}
{{- $_ := set $config "listen" (dict "grpc" (printf "0.0.0.0:%d" (int .Values.ports.grpc)) "http" (printf "0.0.0.0:%d" (int .Values.ports.http))) }}
{{- if .Values.tls.enabled }}
{{- $tls := dict "cert" "/etc/vigil/tls/tls.crt" "key" "/etc/vigil/tls/tls.key" }}
{{- if .Values.tls.clientAuth }}
{{- $_ := set $tls "client_ca" "/etc/vigil/tls/ca.crt" }}
{{- end }}
{{- $_ := set $config "tls" $tls }}
{{- end }}
{{- toYaml $config }}
{{- end }}
