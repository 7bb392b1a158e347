// The api's mapping of Temporal errors to problem statuses: every class and gRPC code the client throws
// lands on 400, 404, 409 or 503, never on "unhandled".
import {
  NamespaceNotFoundError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { GRPC, grpcCodeStatus, temporalProblem } from '../../api/temporal-errors';

/** An error shaped as @grpc/grpc-js throws it. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

describe('temporalProblem', () => {
  it('maps every gRPC status code to 400, 404, 409 or 503', () => {
    const statuses = Object.fromEntries(Object.entries(GRPC).map(([name, code]) => [name, grpcCodeStatus(code)]));
    expect(statuses).toEqual({
      CANCELLED: 503,
      UNKNOWN: 503,
      INVALID_ARGUMENT: 400,
      DEADLINE_EXCEEDED: 503,
      NOT_FOUND: 404,
      ALREADY_EXISTS: 409,
      PERMISSION_DENIED: 503,
      RESOURCE_EXHAUSTED: 503,
      FAILED_PRECONDITION: 409,
      ABORTED: 409,
      OUT_OF_RANGE: 400,
      UNIMPLEMENTED: 503,
      INTERNAL: 503,
      UNAVAILABLE: 503,
      DATA_LOSS: 503,
      UNAUTHENTICATED: 503,
    });
  });

  it('unwraps the gRPC error a ServiceError carries', () => {
    const wrapped = new ServiceError('Failed to start Workflow', {
      cause: grpcError(GRPC.UNAVAILABLE, 'No connection'),
    });
    expect(temporalProblem(wrapped, 'default')).toMatchObject({ status: 503, slug: 'dependency-unavailable' });
    const invalid = new ServiceError('Failed to start Workflow', {
      cause: grpcError(GRPC.INVALID_ARGUMENT, 'WorkflowId is not set'),
    });
    expect(temporalProblem(invalid, 'default')).toMatchObject({
      status: 400,
      detail: 'Temporal rejected the request: WorkflowId is not set',
    });
  });

  it('answers a missing search attribute with 503 and the command that registers it', () => {
    const err = new ServiceError('Failed to start Workflow', {
      cause: grpcError(
        GRPC.INVALID_ARGUMENT,
        'Namespace prod has no mapping defined for search attribute FloyoCycleKind',
      ),
    });
    const p = temporalProblem(err, 'prod');
    expect(p?.status).toBe(503);
    expect(p?.detail).toContain('no search attribute FloyoCycleKind');
    expect(p?.detail).toContain(
      'temporal operator search-attribute create --namespace prod --name FloyoCycleKind --name FloyoTrigger --type Keyword',
    );
  });

  it('maps the client’s own error classes', () => {
    expect(temporalProblem(new WorkflowNotFoundError('gone', 'wf-1', undefined), 'd')?.status).toBe(404);
    expect(
      temporalProblem(new WorkflowExecutionAlreadyStartedError('dup', 'wf-1', 'autonomousCycle'), 'd')?.status,
    ).toBe(409);
    expect(temporalProblem(new NamespaceNotFoundError('nope'), 'd')).toMatchObject({ status: 503 });
    expect(temporalProblem(new ServiceError('Unexpected error while making gRPC request'), 'd')?.status).toBe(503);
  });

  it('leaves errors that are not Temporal’s to the rest of the handler', () => {
    expect(temporalProblem(new Error('boom'), 'd')).toBeNull();
    expect(temporalProblem(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'd')).toBeNull();
  });
});
