// In-memory map of the command streams of the workers connected to this coordinator process.
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import type { CoordinatorCommand } from '@anchorage/proto';

@Injectable()
export class WorkerConnections implements BeforeApplicationShutdown {
  private readonly streams = new Map<string, Subject<CoordinatorCommand>>();

  /** Opens the command stream of a worker; a newer stream replaces an older one. */
  attach(workerId: string): Subject<CoordinatorCommand> {
    this.streams.get(workerId)?.complete();
    const stream = new Subject<CoordinatorCommand>();
    this.streams.set(workerId, stream);
    return stream;
  }

  /** Closes a worker's stream if it is still the current one; true when it was. */
  detach(workerId: string, stream: Observable<CoordinatorCommand>): boolean {
    if (this.streams.get(workerId) !== stream) return false;
    this.streams.delete(workerId);
    return true;
  }

  isConnected(workerId: string): boolean {
    return this.streams.has(workerId);
  }

  /** Pushes a command; false when the worker has no open stream here. */
  send(workerId: string, command: CoordinatorCommand): boolean {
    const stream = this.streams.get(workerId);
    if (!stream) return false;
    stream.next(command);
    return true;
  }

  /** Ends every command stream so the gRPC server can stop without waiting on them. */
  beforeApplicationShutdown(): void {
    for (const stream of this.streams.values()) stream.complete();
    this.streams.clear();
  }
}
