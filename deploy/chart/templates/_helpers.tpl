{{/* Names: every object is "<release>-<component>", e.g. "shop-router". */}}
{{- define "shopgraph.prefix" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end }}

{{- define "shopgraph.name" -}}
{{- printf "%s-%s" (include "shopgraph.prefix" .root) .component -}}
{{- end }}

{{- define "shopgraph.selectorLabels" -}}
app.kubernetes.io/name: shopgraph
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "shopgraph.labels" -}}
{{ include "shopgraph.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: shopgraph
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end }}

{{- define "shopgraph.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end }}

{{/*
The workloads: values key, HTTP port (or the metrics port of a worker without HTTP), the
command's arguments, the stores each one calls, and whether it is served behind the router
(a subgraph). The NetworkPolicies, probes and env follow from this table.
*/}}
{{- define "shopgraph.workloads" -}}
router:
  key: router
  port: {{ .Values.router.port }}
  args: [router, --supergraph, schema/supergraph.graphql, --config, /etc/shopgraph/router/router.yaml, --host, 0.0.0.0]
  stores: [redis]
  role: router
products:
  key: products
  port: {{ .Values.products.port }}
  args: [subgraph, products, --host, 0.0.0.0]
  stores: [mongo, redis]
  role: subgraph
orders:
  key: orders
  port: {{ .Values.orders.port }}
  args: [subgraph, orders, --host, 0.0.0.0]
  stores: [postgres, redis]
  role: subgraph
search:
  key: search
  port: {{ .Values.search.port }}
  args: [subgraph, search, --host, 0.0.0.0]
  stores: [elasticsearch, redis]
  role: subgraph
users:
  key: users
  port: {{ .Values.users.port }}
  args: [subgraph, users, --host, 0.0.0.0]
  stores: [postgres, redis]
  role: subgraph
bff-web:
  key: bffWeb
  port: {{ .Values.bffWeb.port }}
  args: [bff, web, --host, 0.0.0.0]
  stores: [redis]
  role: bff
bff-mobile:
  key: bffMobile
  port: {{ .Values.bffMobile.port }}
  args: [bff, mobile, --host, 0.0.0.0]
  stores: []
  role: bff
{{- if .Values.searchIndexer.enabled }}
search-indexer:
  key: searchIndexer
  port: {{ .Values.searchIndexer.metricsPort }}
  args: [search, indexer, --metrics-host, 0.0.0.0]
  stores: [elasticsearch, redis]
  role: worker
{{- end }}
{{- if .Values.ordersRelay.enabled }}
orders-relay:
  key: ordersRelay
  port: {{ .Values.ordersRelay.metricsPort }}
  args: [orders, relay, --metrics-host, 0.0.0.0]
  stores: [postgres, redis]
  role: worker
{{- end }}
{{- if .Values.identity.enabled }}
identity:
  key: identity
  port: 4100
  args: [identity, --host, 0.0.0.0]
  stores: []
  role: identity
{{- end }}
{{- end }}

{{/* The local provider's user flow path, as subgraphs/common/settings.py builds it. */}}
{{- define "shopgraph.identityUrl" -}}
{{- printf "http://%s:4100" (include "shopgraph.name" (dict "root" . "component" "identity")) -}}
{{- end }}
{{- define "shopgraph.userFlowPath" -}}
/shopgraph.onmicrosoft.com/b2c_1_signupsignin
{{- end }}

{{- define "shopgraph.jwksUrl" -}}
{{- if .Values.identity.enabled -}}
{{- printf "%s%s/discovery/v2.0/keys" (include "shopgraph.identityUrl" .) (include "shopgraph.userFlowPath" .) -}}
{{- else -}}
{{- required "auth.jwksUrl is required (the B2C user flow's JWKS), or set identity.enabled in a non-production cluster" .Values.auth.jwksUrl -}}
{{- end -}}
{{- end }}

{{- define "shopgraph.discoveryUrl" -}}
{{- if .Values.identity.enabled -}}
{{- printf "%s%s/v2.0/.well-known/openid-configuration" (include "shopgraph.identityUrl" .) (include "shopgraph.userFlowPath" .) -}}
{{- else -}}
{{- required "auth.discoveryUrl is required (the B2C user flow's OpenID configuration)" .Values.auth.discoveryUrl -}}
{{- end -}}
{{- end }}

{{- define "shopgraph.routerUrl" -}}
{{- printf "http://%s:%v/graphql" (include "shopgraph.name" (dict "root" . "component" "router")) .Values.router.port -}}
{{- end }}

{{/*
A workload's plain environment (its ConfigMap): the shared env, what the chart derives, then
the workload's own env.
*/}}
{{- define "shopgraph.env" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $w := .workload -}}
{{- $derived := dict -}}
{{- if ne $w.role "worker" }}
{{- $_ := set $derived "PORT" (toString $w.port) -}}
{{- end }}
{{- if or (eq $w.role "subgraph") (eq $w.role "worker") (eq $w.role "identity") }}
{{- $_ := set $derived "SHOPGRAPH_IDENTITY_ISSUER" $v.auth.issuer -}}
{{- $_ := set $derived "SHOPGRAPH_IDENTITY_AUDIENCE" $v.auth.audience -}}
{{- end }}
{{- if or (eq $w.role "subgraph") (eq $w.role "worker") }}
{{- $_ := set $derived "SHOPGRAPH_IDENTITY_JWKS_URL" (include "shopgraph.jwksUrl" $root) -}}
{{- $_ := set $derived "SHOPGRAPH_IDENTITY_POLICIES" (toJson $v.auth.policies) -}}
{{- end }}
{{- if has "mongo" $w.stores }}
{{- with $v.stores.mongo.readPreference }}{{ $_ := set $derived "SHOPGRAPH_MONGO_READ_PREFERENCE" . }}{{ end -}}
{{- with $v.stores.mongo.writeConcern.w }}{{ $_ := set $derived "SHOPGRAPH_MONGO_WRITE_CONCERN_W" (toString .) }}{{ end -}}
{{- if ne (toString $v.stores.mongo.writeConcern.j) "" }}{{ $_ := set $derived "SHOPGRAPH_MONGO_WRITE_CONCERN_J" (toString $v.stores.mongo.writeConcern.j) }}{{ end -}}
{{- end }}
{{- if eq $w.key "search" }}
{{- $_ := set $derived "SHOPGRAPH_SEARCH_RUN_INDEXER" (ternary "false" "true" $v.searchIndexer.enabled) -}}
{{- end }}
{{- if eq $w.key "orders" }}
{{- $_ := set $derived "SHOPGRAPH_ORDERS_RUN_RELAY" (ternary "false" "true" $v.ordersRelay.enabled) -}}
{{- end }}
{{- if eq $w.key "ordersRelay" }}
{{- $_ := set $derived "SHOPGRAPH_METRICS_PORT" (toString $v.ordersRelay.metricsPort) -}}
{{- end }}
{{- if eq $w.key "searchIndexer" }}
{{- $_ := set $derived "SHOPGRAPH_METRICS_PORT" (toString $v.searchIndexer.metricsPort) -}}
{{- $_ := set $derived "SHOPGRAPH_SEARCH_RUN_INDEXER" "true" -}}
{{- end }}
{{- if eq $w.key "bffWeb" }}
{{- $_ := set $derived "SHOPGRAPH_BFF_WEB_PUBLIC_URL" $v.bffWeb.publicUrl -}}
{{- $_ := set $derived "SHOPGRAPH_BFF_WEB_ROUTER_URL" (include "shopgraph.routerUrl" $root) -}}
{{- $_ := set $derived "SHOPGRAPH_BFF_WEB_DISCOVERY_URL" (include "shopgraph.discoveryUrl" $root) -}}
{{- $_ := set $derived "SHOPGRAPH_BFF_WEB_CLIENT_ID" $v.bffWeb.clientId -}}
{{- $_ := set $derived "SHOPGRAPH_BFF_WEB_SCOPES" $v.bffWeb.scopes -}}
{{- $_ := set $derived "SHOPGRAPH_BFF_WEB_MEDIA_ORIGIN" $v.bffWeb.mediaOrigin -}}
{{- end }}
{{- if eq $w.key "bffMobile" }}
{{- $_ := set $derived "SHOPGRAPH_BFF_MOBILE_MODE" $v.bffMobile.mode -}}
{{- $_ := set $derived "SHOPGRAPH_BFF_MOBILE_ROUTER_URL" (include "shopgraph.routerUrl" $root) -}}
{{- $_ := set $derived "SHOPGRAPH_BFF_MOBILE_MIN_APP_VERSION" $v.bffMobile.minAppVersion -}}
{{- end }}
{{- if eq $w.key "identity" }}
{{- $_ := set $derived "SHOPGRAPH_IDENTITY_BASE_URL" ($v.identity.publicUrl | default (include "shopgraph.identityUrl" $root)) -}}
{{- end }}
{{- $own := (index $v $w.key).env | default dict -}}
{{- $all := merge (deepCopy $own) $derived (deepCopy $v.env) -}}
{{- range $name := keys $all | sortAlpha }}
{{ $name }}: {{ index $all $name | toString | quote }}
{{- end }}
{{- end }}

{{/* One env entry read from an existing Secret. */}}
{{- define "shopgraph.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .ref.name }}
      key: {{ .ref.key }}
{{- end }}

{{/* A workload's env entries from Secrets: its stores' URLs and its own secrets. */}}
{{- define "shopgraph.secretEnvs" -}}
{{- $v := .root.Values -}}
{{- $w := .workload -}}
{{- $stores := $w.stores -}}
{{- if eq $w.key "migrate" }}{{ $stores = list "postgres" "mongo" "elasticsearch" }}{{ end -}}
{{- if has "postgres" $stores }}
{{ include "shopgraph.secretEnv" (dict "env" "SHOPGRAPH_POSTGRES_URL" "ref" $v.stores.postgres.url) }}
{{- if and $v.stores.postgres.replicaUrl.name (not (has $w.key (list "migrate" "ordersRelay"))) }}
{{ include "shopgraph.secretEnv" (dict "env" "SHOPGRAPH_POSTGRES_REPLICA_URL" "ref" $v.stores.postgres.replicaUrl) }}
{{- end }}
{{- end }}
{{- if has "mongo" $stores }}
{{ include "shopgraph.secretEnv" (dict "env" "SHOPGRAPH_MONGO_URL" "ref" $v.stores.mongo.url) }}
{{- end }}
{{- if has "elasticsearch" $stores }}
{{ include "shopgraph.secretEnv" (dict "env" "SHOPGRAPH_ELASTICSEARCH_URL" "ref" $v.stores.elasticsearch.url) }}
{{- end }}
{{- if and (has "redis" $stores) (ne $w.key "router") }}
{{ include "shopgraph.secretEnv" (dict "env" "SHOPGRAPH_REDIS_URL" "ref" $v.stores.redis.url) }}
{{- end }}
{{- if eq $w.key "router" }}
{{- $redis := $v.stores.redis.url -}}
{{- if $v.stores.redis.routerUrl.name }}{{ $redis = $v.stores.redis.routerUrl }}{{ end }}
{{ include "shopgraph.secretEnv" (dict "env" "SHOPGRAPH_ROUTER__APQ__REDIS_URL" "ref" $redis) }}
{{ include "shopgraph.secretEnv" (dict "env" "SHOPGRAPH_ROUTER__ENTITY_CACHE__REDIS_URL" "ref" $redis) }}
{{- if $v.router.rateLimit.enabled }}
{{ include "shopgraph.secretEnv" (dict "env" "SHOPGRAPH_ROUTER__RATE_LIMIT__REDIS_URL" "ref" $redis) }}
{{- end }}
{{- end }}
{{- if eq $w.key "bffWeb" }}
{{ include "shopgraph.secretEnv" (dict "env" "SHOPGRAPH_BFF_WEB_CLIENT_SECRET" "ref" $v.bffWeb.clientSecret) }}
{{- end }}
{{- if and (eq $w.key "identity") $v.identity.formSecret.name }}
{{ include "shopgraph.secretEnv" (dict "env" "SHOPGRAPH_IDENTITY_FORM_SECRET" "ref" $v.identity.formSecret) }}
{{- end }}
{{- with $v.secrets.traces.headers }}{{ if .name }}
{{ include "shopgraph.secretEnv" (dict "env" "SHOPGRAPH_TRACES_HEADERS" "ref" .) }}
{{- end }}{{ end }}
{{- with $v.secrets.traces.endpoint }}{{ if .name }}
{{ include "shopgraph.secretEnv" (dict "env" "SHOPGRAPH_TRACES_ENDPOINT" "ref" .) }}
{{- end }}{{ end }}
{{- end }}
