{{/* Names, labels and the environment shared by every template. */}}

{{- define "mu.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mu.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's name: <fullname>-<component>, within the 63 characters of a DNS label. */}}
{{- define "mu.componentName" -}}
{{- printf "%s-%s" (include "mu.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mu.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mu.version" -}}
{{- default .Chart.AppVersion .Values.image.tag -}}
{{- end -}}

{{- define "mu.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mu.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "mu.labels" -}}
helm.sh/chart: {{ include "mu.chart" .root }}
{{ include "mu.selectorLabels" . }}
app.kubernetes.io/version: {{ include "mu.version" .root | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/part-of: mu
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{- define "mu.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (include "mu.version" .) -}}
{{- end -}}
{{- end -}}

{{- define "mu.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "mu.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
The dependencies each workload connects to (its config class in apps/<app>/src/config.ts);
it gets the credentials of these only.
*/}}
{{- define "mu.dependencies" -}}
collector: [nats, redis, postgres]
deduplicator: [nats, redis]
rater: [nats, clickhouse, postgres]
invoicer: [nats, clickhouse, postgres]
tax: [nats, postgres]
api: [nats, redis, clickhouse, postgres]
migrate: [nats, clickhouse, postgres]
{{- end -}}

{{/*
The plain settings (ConfigMap data; inlined into the hook Job, which runs before it exists).
config.extraEnv comes last and wins over a chart-set variable of the same name.
*/}}
{{- define "mu.configData" -}}
{{- $v := .Values -}}
{{- $d := dict
  "NODE_ENV" "production"
  "HOST" "0.0.0.0"
  "LOG_LEVEL" $v.config.logLevel
  "SHUTDOWN_TIMEOUT_SECONDS" $v.config.shutdownTimeoutSeconds
  "NATS_URL" $v.nats.url
  "NATS_PROVISION_STREAMS" $v.nats.provisionStreamsAtBoot
  "CLICKHOUSE_URL" $v.clickhouse.url
  "CLICKHOUSE_DATABASE" $v.clickhouse.database
  "CLICKHOUSE_USER" $v.clickhouse.user
  "DATABASE_POOL_MAX" $v.postgres.poolMax
-}}
{{- /* Metrics are Prometheus (prom-client, /metrics on the HTTP port), not the SDK's. */ -}}
{{- if $v.otel.enabled -}}
{{- $_ := set $d "OTEL_SDK_DISABLED" "false" -}}
{{- $_ := set $d "OTEL_TRACES_EXPORTER" "otlp" -}}
{{- $_ := set $d "OTEL_METRICS_EXPORTER" "none" -}}
{{- $_ := set $d "OTEL_LOGS_EXPORTER" "none" -}}
{{- else -}}
{{- $_ := set $d "OTEL_SDK_DISABLED" "true" -}}
{{- end -}}
{{- if $v.otel.enabled -}}
{{- $_ := set $d "OTEL_EXPORTER_OTLP_ENDPOINT" (required "otel.endpoint is required when otel.enabled is true" $v.otel.endpoint) -}}
{{- $_ := set $d "OTEL_EXPORTER_OTLP_PROTOCOL" $v.otel.protocol -}}
{{- $_ := set $d "OTEL_TRACES_SAMPLER" $v.otel.sampler -}}
{{- with $v.otel.samplerArg -}}
{{- $_ := set $d "OTEL_TRACES_SAMPLER_ARG" . -}}
{{- end -}}
{{- end -}}
{{- range $k, $val := $v.config.extraEnv -}}
{{- $_ := set $d $k $val -}}
{{- end -}}
{{- range $k, $val := $d }}
{{ $k }}: {{ include "mu.envValue" $val | quote }}
{{- end -}}
{{- end -}}

{{/* OTEL_RESOURCE_ATTRIBUTES of one pod; $(POD_NAME) is expanded by the kubelet. */}}
{{- define "mu.resourceAttributes" -}}
{{- $attrs := list "service.namespace=mu" (printf "service.version=%s" (include "mu.version" .root)) (printf "k8s.namespace.name=%s" .root.Release.Namespace) (printf "k8s.deployment.name=%s" (include "mu.componentName" .)) "k8s.pod.name=$(POD_NAME)" -}}
{{- range $k, $v := .root.Values.otel.resourceAttributes -}}
{{- $attrs = append $attrs (printf "%s=%s" $k $v) -}}
{{- end -}}
{{- join "," $attrs -}}
{{- end -}}

{{/* The credentials the chart's own Secret holds: those not taken from an existing Secret. */}}
{{- define "mu.secretData" -}}
{{- $v := .Values -}}
{{- if not $v.redis.existingSecret }}
REDIS_URL: {{ $v.redis.url | b64enc | quote }}
{{- end }}
{{- if not $v.postgres.existingSecret }}
DATABASE_URL: {{ $v.postgres.url | b64enc | quote }}
{{- end }}
{{- if and (not $v.clickhouse.existingSecret) $v.clickhouse.password }}
CLICKHOUSE_PASSWORD: {{ $v.clickhouse.password | b64enc | quote }}
{{- end }}
{{- if not $v.nats.auth.existingSecret }}
{{- with $v.nats.auth.user }}
NATS_USER: {{ . | b64enc | quote }}
{{- end }}
{{- with $v.nats.auth.password }}
NATS_PASSWORD: {{ . | b64enc | quote }}
{{- end }}
{{- with $v.nats.auth.token }}
NATS_TOKEN: {{ . | b64enc | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
env entries for one workload's credentials. Arguments: root, workload (a key of
mu.dependencies) and secret (the chart Secret to read: the release's, or the hook's copy).
*/}}
{{- define "mu.secretEnv" -}}
{{- $v := .root.Values -}}
{{- $deps := get (include "mu.dependencies" .root | fromYaml) .workload -}}
{{- $own := include "mu.secretData" .root | fromYaml -}}
{{- if has "redis" $deps }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ default .secret $v.redis.existingSecret | quote }}
      key: {{ ternary $v.redis.existingSecretKey "REDIS_URL" (ne $v.redis.existingSecret "") | quote }}
{{- end }}
{{- if has "postgres" $deps }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ default .secret $v.postgres.existingSecret | quote }}
      key: {{ ternary $v.postgres.existingSecretKey "DATABASE_URL" (ne $v.postgres.existingSecret "") | quote }}
{{- end }}
{{- if has "clickhouse" $deps }}
{{- if $v.clickhouse.existingSecret }}
- name: CLICKHOUSE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $v.clickhouse.existingSecret | quote }}
      key: {{ $v.clickhouse.existingSecretKey | quote }}
{{- else if hasKey $own "CLICKHOUSE_PASSWORD" }}
- name: CLICKHOUSE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .secret | quote }}
      key: CLICKHOUSE_PASSWORD
{{- end }}
{{- end }}
{{- if has "nats" $deps }}
{{- $auth := $v.nats.auth }}
{{- range $var, $keyField := dict "NATS_USER" "userKey" "NATS_PASSWORD" "passwordKey" "NATS_TOKEN" "tokenKey" }}
{{- if $auth.existingSecret }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $auth.existingSecret | quote }}
      key: {{ get $auth $keyField | quote }}
      optional: true
{{- else if hasKey $own $var }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $.secret | quote }}
      key: {{ $var }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The Secret the workloads read, when the chart manages any credential. */}}
{{- define "mu.hasOwnSecret" -}}
{{- if include "mu.secretData" . | trim }}true{{ end -}}
{{- end -}}

{{/* Pod-level settings of one service: the service's own value, else the chart-wide one. */}}
{{- define "mu.podSetting" -}}
{{- if hasKey .service .key -}}
{{- toYaml (get .service .key) -}}
{{- else -}}
{{- toYaml (get .root.Values .key) -}}
{{- end -}}
{{- end -}}

{{/* An environment value as text; whole numbers stay whole (values parse them as floats: 1e+06). */}}
{{- define "mu.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) -}}
{{- int64 . -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}
