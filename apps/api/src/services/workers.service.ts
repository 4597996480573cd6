import { Injectable } from '@nestjs/common';
import { WorkersRepository } from '../repositories/workers.repository.js';
import { workerView } from './views.js';
import { WorkerConnections } from './worker-connections.js';

@Injectable()
export class WorkersService {
  constructor(
    private readonly workers: WorkersRepository,
    private readonly connections: WorkerConnections,
  ) {}

  async list() {
    const now = new Date();
    const rows = await this.workers.list();
    return { workers: rows.map((w) => workerView(w, now, this.connections.isConnected(w.id))) };
  }
}
