// Hive Gateway's configuration as the public gateway benchmark sets it; the benchmark writes
// a copy with inboundInflightRequestDeduplication set to the run's dedup setting.
import { defineConfig } from "@graphql-hive/gateway";

export const gatewayConfig = defineConfig({
  inboundInflightRequestDeduplication: true,
});
