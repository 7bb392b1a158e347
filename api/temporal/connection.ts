// The api's Temporal connection. @temporalio/client runs each call inside an AsyncLocalStorage (the namespace
// header, deadlines); on Node 20 an AsyncLocalStorage, once used, puts a hook on every promise the process
// creates until it is disabled, which slowed every await of every request. This connection disables its
// storage whenever no call is in flight, so the hooks are on only while Temporal is being asked something.
import { Connection, type Metadata } from '@temporalio/client';

export class ApiTemporalConnection extends Connection {
  private inFlight = 0;

  override withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R> {
    return this.tracked(() => super.withDeadline(deadline, fn));
  }

  override withAbortSignal<R>(abortSignal: AbortSignal, fn: () => Promise<R>): Promise<R> {
    return this.tracked(() => super.withAbortSignal(abortSignal, fn));
  }

  override withMetadata<R>(metadata: Metadata, fn: () => Promise<R>): Promise<R> {
    return this.tracked(() => super.withMetadata(metadata, fn));
  }

  override withApiKey<R>(apiKey: string, fn: () => Promise<R>): Promise<R> {
    return this.tracked(() => super.withApiKey(apiKey, fn));
  }

  // Every scope the client opens comes through the four methods above (the namespace header too), and a call
  // reads its scope when it is sent: with none in flight, no one can still need the storage.
  private async tracked<R>(scoped: () => Promise<R>): Promise<R> {
    this.inFlight++;
    try {
      return await scoped();
    } finally {
      if (--this.inFlight === 0) this.callContextStorage.disable();
    }
  }
}
