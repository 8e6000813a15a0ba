{{/* Names and labels. */}}
{{- define "airlock.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "airlock.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "airlock.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "airlock.image" -}}
{{- $image := index .root.Values.image .component -}}
{{- printf "%s:%s" $image.repository (default .root.Chart.AppVersion $image.tag) -}}
{{- end -}}

{{- define "airlock.serviceAccountName" -}}
{{- $sa := (index .root.Values .component).serviceAccount -}}
{{- if $sa.create -}}
{{- default (printf "%s-%s" (include "airlock.fullname" .root) .component) $sa.name -}}
{{- else -}}
{{- default "default" $sa.name -}}
{{- end -}}
{{- end -}}

{{/* The recording section both roles share (the agent ignores the store). */}}
{{- define "airlock.recordingConfig" -}}
{{- $r := .Values.recording -}}
{{- $recording := dict "mode" $r.mode "retentionDays" $r.retentionDays -}}
{{- if $r.kinesis.stream -}}
{{- $kinesis := dict "stream" $r.kinesis.stream -}}
{{- if $r.kinesis.region }}{{ $_ := set $kinesis "region" $r.kinesis.region }}{{ end -}}
{{- if $r.kinesis.endpoint }}{{ $_ := set $kinesis "endpoint" $r.kinesis.endpoint }}{{ end -}}
{{- $_ := set $recording "kinesis" $kinesis -}}
{{- end -}}
{{- if $r.kms.keyId -}}
{{- $encryption := dict "kmsKeyId" $r.kms.keyId -}}
{{- if $r.kms.region }}{{ $_ := set $encryption "region" $r.kms.region }}{{ end -}}
{{- $_ := set $recording "encryption" $encryption -}}
{{- end -}}
{{- toJson $recording -}}
{{- end -}}

{{/* The gateway's configuration file, from values. */}}
{{- define "airlock.gatewayConfig" -}}
{{- $g := .Values.gateway -}}
{{- if not $g.auth.issuers -}}
{{- fail "gateway.auth.issuers needs at least one OIDC issuer (the gateway refuses unauthenticated traffic in this chart)" -}}
{{- end -}}
{{- $auth := dict "mode" "oidc" "issuers" $g.auth.issuers -}}
{{- if $g.auth.requiredScopes }}{{ $_ := set $auth "requiredScopes" $g.auth.requiredScopes }}{{ end -}}
{{- $gateway := dict
  "listen" (dict "host" "0.0.0.0" "port" 8080)
  "publicUrl" (required "gateway.publicUrl is required: the URL clients use (e.g. https://airlock.example.com)" $g.publicUrl)
  "dataDir" "/var/lib/airlock"
  "auth" $auth
  "tunnel" (dict "listen" (dict "host" "0.0.0.0" "port" 8443) "tls" (dict "certFile" "/etc/airlock/tunnel/tls.crt" "keyFile" "/etc/airlock/tunnel/tls.key"))
  "operations" (dict "listen" (dict "host" "0.0.0.0" "port" (int .Values.operations.gatewayPort)))
  "shutdown" (dict "graceSeconds" (int $g.shutdown.graceSeconds))
  "access" (dict "rules" $g.access.rules "jit" $g.access.jit)
  "admin" (dict "groups" $g.admin.groups)
  "audit" (dict "groups" $g.audit.groups)
  "masking" $g.masking
  "pinning" $g.pinning
-}}
{{- if $g.guardrails }}{{ $_ := set $gateway "guardrails" $g.guardrails }}{{ end -}}
{{- if $g.tls.enabled -}}
{{- $_ := set $gateway "tls" (dict "certFile" "/etc/airlock/tls/tls.crt" "keyFile" "/etc/airlock/tls/tls.key") -}}
{{- end -}}
{{- $gateway = mustMergeOverwrite $gateway (deepCopy $g.extraConfig) -}}
{{- $recording := include "airlock.recordingConfig" . | fromJson -}}
{{- $_ := set $recording "store" (dict "kind" "postgres" "connectionStringFile" "/etc/airlock/secrets/postgres-url") -}}
{{- toYaml (dict "gateway" $gateway "recording" $recording "logging" (dict "level" .Values.logging.level)) -}}
{{- end -}}

{{/* The agent's configuration file, from values. */}}
{{- define "airlock.agentConfig" -}}
{{- $a := .Values.agent -}}
{{- if not $a.gateways -}}
{{- fail "agent.gateways needs at least one gateway tunnel address (host:port)" -}}
{{- end -}}
{{- if not $a.connections -}}
{{- fail "agent.connections needs at least one MCP server for the agent to serve" -}}
{{- end -}}
{{- $gateways := list -}}
{{- range $a.gateways -}}
{{- $entry := deepCopy . -}}
{{- if $a.caSecret }}{{ $_ := set $entry "caFile" "/etc/airlock/gateway-ca/ca.crt" }}{{ end -}}
{{- $gateways = append $gateways $entry -}}
{{- end -}}
{{- $agent := dict
  "id" (required "agent.id is required: the name it was enrolled with (airlock agents create <id>)" $a.id)
  "tokenFile" "/etc/airlock/secrets/agent-token"
  "dataDir" "/var/lib/airlock"
  "gateways" $gateways
  "connections" $a.connections
  "operations" (dict "listen" (dict "host" "0.0.0.0" "port" (int .Values.operations.agentPort)))
  "shutdown" (dict "graceSeconds" (int $a.shutdown.graceSeconds))
-}}
{{- if $a.masking }}{{ $_ := set $agent "masking" $a.masking }}{{ end -}}
{{- $agent = mustMergeOverwrite $agent (deepCopy $a.extraConfig) -}}
{{- $recording := include "airlock.recordingConfig" . | fromJson -}}
{{- toYaml (dict "agent" $agent "recording" $recording "logging" (dict "level" .Values.logging.level)) -}}
{{- end -}}
