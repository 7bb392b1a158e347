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

export interface Tracing {
  /** Add to Client and Worker options: `plugins: tracing.plugins`. */
  plugins: OpenTelemetryPlugin[];
  endpoint: string;
  /** Flushes pending spans and stops exporting. */
  shutdown(): Promise<void>;
}

export function tracingEndpoint(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || null;
}

let installed: Tracing | null = null;

/** The process's tracing (one provider per process), or null when no OTLP endpoint is configured. */
export function setupTracing(defaultServiceName: string, env: NodeJS.ProcessEnv = process.env): Tracing | null {
  const endpoint = tracingEndpoint(env);
  if (!endpoint) return null;
  if (installed) return installed;
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME || defaultServiceName });
  // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT itself and appends /v1/traces to the generic one.
  const spanProcessor: SpanProcessor = new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1000 });
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
