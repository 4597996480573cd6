import { Injectable } from '@nestjs/common';
import { ModelsRepository, type ModelFilter } from '../repositories/models.repository.js';
import { NotFoundError } from './errors.js';
import { page } from './paging.js';
import { modelView } from './views.js';

@Injectable()
export class ModelsService {
  constructor(private readonly models: ModelsRepository) {}

  async list(filter: ModelFilter) {
    const { items, nextCursor } = page(await this.models.list({ ...filter, limit: filter.limit + 1 }), filter.limit, modelView);
    return { models: items, nextCursor };
  }

  async get(id: string) {
    const model = await this.models.findById(id);
    if (!model) throw new NotFoundError('model', id);
    return modelView(model);
  }
}
