// OpenTelemetry tracing through Temporal's interceptors, on only when OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: the api's client spans (StartWorkflow, SignalWorkflow)
// carry their context in workflow headers, so a cycle's workflow and activity spans join the trace of
// the request that started it. Spans go to the OTLP/HTTP endpoint; OTEL_SERVICE_NAME names the service.
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { config, type Config } from './config';

export type TracingConfig = Pick<
  Config,
  'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_SERVICE_NAME'
>;

export interface Tracing {
  /** Add to Client and Worker options: `plugins: tracing.plugins`. */
  plugins: OpenTelemetryPlugin[];
  endpoint: string;
  /** Flushes pending spans and stops exporting. */
  shutdown(): Promise<void>;
}

/** The OTLP/HTTP traces URL: the traces endpoint as given, or the generic one with /v1/traces appended. */
export function tracingEndpoint(cfg: TracingConfig = config): string | null {
  if (cfg.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return cfg.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (cfg.OTEL_EXPORTER_OTLP_ENDPOINT) return `${cfg.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return null;
}

let installed: Tracing | null = null;

/** The process's tracing (one provider per process), or null when no OTLP endpoint is configured. */
export function setupTracing(defaultServiceName: string, cfg: TracingConfig = config): Tracing | null {
  const endpoint = tracingEndpoint(cfg);
  if (!endpoint) return null;
  if (installed) return installed;
  const resource = new Resource({ 'service.name': cfg.OTEL_SERVICE_NAME ?? defaultServiceName });
  const spanProcessor: SpanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }), {
    scheduledDelayMillis: 1000,
  });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // W3C trace context in Temporal headers, and an active context per async call chain, link the spans.
  provider.register({
    propagator: new W3CTraceContextPropagator(),
    contextManager: new AsyncLocalStorageContextManager().enable(),
  });
  const plugin = new OpenTelemetryPlugin({ resource, spanProcessor });
  installed = {
    plugins: [plugin],
    endpoint,
    shutdown: async () => {
      await provider.shutdown();
    },
  };
  return installed;
}
