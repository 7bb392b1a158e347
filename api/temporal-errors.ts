// Every error the Temporal client throws, as the problem the api answers with: the one place that maps a
// Temporal error class or gRPC status code to an HTTP status, so no Temporal fault ever becomes a 500.
// Pure: it only reads the error.
import {
  isGrpcServiceError,
  NamespaceNotFoundError,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { SEARCH_ATTRIBUTES, searchAttributeCreateCommand } from '../platform/search-attributes';

export interface TemporalProblem {
  status: 400 | 404 | 409 | 503;
  slug: string;
  detail: string;
}

/** gRPC status codes (https://grpc.io/docs/guides/status-codes/). */
export const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const UNAVAILABLE = (detail: string): TemporalProblem => ({ status: 503, slug: 'dependency-unavailable', detail });

/** The HTTP status for a gRPC status code from Temporal: the caller's fault keeps 4xx, everything else is 503. */
export function grpcCodeStatus(code: number): TemporalProblem['status'] {
  switch (code) {
    case GRPC.INVALID_ARGUMENT:
    case GRPC.OUT_OF_RANGE:
      return 400;
    case GRPC.NOT_FOUND:
      return 404;
    case GRPC.ALREADY_EXISTS:
    case GRPC.FAILED_PRECONDITION:
    case GRPC.ABORTED:
      return 409;
    default:
      // Unavailable, timeouts, throttling, and the server's own faults or our credentials: upstream, not the caller.
      return 503;
  }
}

/** The gRPC error itself, or the one a ServiceError wraps; null when there is none. */
function grpcError(error: unknown): { code: number; details: string } | null {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e)) return { code: Number(e.code), details: e.details };
  }
  return null;
}

/** A missing search attribute is the server's set-up, not the request: 503 with the command that fixes it. */
function missingSearchAttribute(details: string, namespace: string): TemporalProblem | null {
  const m = /no mapping defined for search attribute (\w+)/i.exec(details);
  if (!m) return null;
  const known = SEARCH_ATTRIBUTES.filter((k) => k.name === m[1]);
  const fix = known.length
    ? `start the worker (it registers them) or run \`${searchAttributeCreateCommand(namespace, SEARCH_ATTRIBUTES)}\``
    : 'register it in the namespace';
  return UNAVAILABLE(`Temporal namespace '${namespace}' has no search attribute ${m[1]}: ${fix}.`);
}

export function temporalProblem(error: unknown, namespace: string): TemporalProblem | null {
  if (error instanceof WorkflowNotFoundError) {
    return {
      status: 404,
      slug: 'workflow-not-found',
      detail: `No workflow with id '${error.workflowId}' exists in Temporal.`,
    };
  }
  if (error instanceof ScheduleNotFoundError) {
    return {
      status: 404,
      slug: 'schedule-not-found',
      detail: `No schedule with id '${error.scheduleId}' exists in Temporal (the worker creates the schedules when it starts).`,
    };
  }
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return {
      status: 409,
      slug: 'workflow-already-started',
      detail: `A workflow with id '${error.workflowId}' is already running; retry to get a new id.`,
    };
  }
  if (error instanceof ScheduleAlreadyRunning) {
    return { status: 409, slug: 'conflict', detail: `The schedule '${error.scheduleId}' already exists.` };
  }
  if (error instanceof NamespaceNotFoundError) {
    return UNAVAILABLE(
      `The Temporal namespace '${error.namespace}' does not exist; the api is misconfigured (TEMPORAL_NAMESPACE).`,
    );
  }
  const grpc = grpcError(error);
  if (!grpc) {
    // A ServiceError without a gRPC cause is the client failing to talk to the server at all.
    return error instanceof ServiceError
      ? UNAVAILABLE(`Temporal is unreachable (${error.message}); try again shortly.`)
      : null;
  }
  const sa = missingSearchAttribute(grpc.details, namespace);
  if (sa) return sa;
  const status = grpcCodeStatus(grpc.code);
  if (status === 400)
    return { status, slug: 'temporal-invalid-argument', detail: `Temporal rejected the request: ${grpc.details}` };
  if (status === 404) return { status, slug: 'not-found', detail: 'Not found in Temporal.' };
  if (status === 409) return { status, slug: 'conflict', detail: `Temporal reports a conflict: ${grpc.details}` };
  const what =
    grpc.code === GRPC.DEADLINE_EXCEEDED
      ? 'Temporal did not answer in time'
      : grpc.code === GRPC.UNAVAILABLE || grpc.code === GRPC.RESOURCE_EXHAUSTED
        ? 'Temporal is unreachable'
        : `Temporal failed (gRPC status ${grpc.code})`;
  return UNAVAILABLE(`${what}; try again shortly.`);
}
