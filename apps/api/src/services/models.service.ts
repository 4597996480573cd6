import { Injectable } from '@nestjs/common';
import { ModelsRepository } from '../repositories/models.repository.js';
import { NotFoundError } from './errors.js';
import { modelView } from './views.js';

@Injectable()
export class ModelsService {
  constructor(private readonly models: ModelsRepository) {}

  async list(filter: { kind?: string; cursor?: string; limit: number }) {
    const rows = await this.models.list({ ...filter, limit: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    return { models: page.map(modelView), nextCursor: rows.length > filter.limit ? page[page.length - 1].id : null };
  }

  async get(id: string) {
    const model = await this.models.findById(id);
    if (!model) throw new NotFoundError('model', id);
    return modelView(model);
  }
}
