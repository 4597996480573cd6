// Anchor families: one request → one train run per member; the family is ready when all succeed.
import { Injectable, Logger } from '@nestjs/common';
import type { Prisma } from '@anchorage/db';
import { validateFamilyRequest, type FamilyView } from '@anchorage/contracts';
import { FamiliesRepository } from '../repositories/families.repository.js';
import { DispatchService } from './dispatch.service.js';
import { RunsRepository } from '../repositories/runs.repository.js';
import { InvalidRequestError, NotFoundError } from './errors.js';
import { familyView } from './views.js';

@Injectable()
export class FamiliesService {
  private readonly logger = new Logger(FamiliesService.name);

  constructor(
    private readonly families: FamiliesRepository,
    private readonly runs: RunsRepository,
    private readonly dispatch: DispatchService,
  ) {}

  async create(body: unknown, owner: string): Promise<FamilyView> {
    const outcome = validateFamilyRequest(body);
    if (!outcome.ok) throw new InvalidRequestError(outcome.error, outcome.issues);
    const request = outcome.value;
    const placed = await this.dispatch.place({ accelerator: 'any' });
    const { family, runs } = await this.runs.transaction(async (tx) => {
      const family = await this.families.create(tx, { name: request.name, members: request.members });
      const runs = [];
      for (const [i, preset] of request.members.entries()) {
        runs.push(
          await this.runs.create(
            {
              kind: 'train',
              name: `${request.name}: ${preset}`,
              priority: request.priority,
              ...this.dispatch.admission(owner),
              resourceClass: placed.resourceClass,
              resources: { accelerator: 'any' },
              spec: request.specs[i] as Prisma.InputJsonValue,
              maxAttempts: request.maxAttempts,
              familyId: family.id,
            },
            tx,
          ),
        );
      }
      return { family, runs };
    });
    // Largest first: with several workers the family finishes soonest (longest job first).
    await this.dispatch.dispatch([...runs].reverse());
    return this.get(family.id);
  }

  async get(id: string): Promise<FamilyView> {
    const family = await this.families.findById(id);
    if (!family) throw new NotFoundError('family', id);
    return familyView(family);
  }

  async list(limit: number) {
    return { families: (await this.families.list(limit)).map(familyView) };
  }

  /** Recomputes a family's status after one of its runs ended outside the coordinator (a cancel). */
  async refresh(familyId: string): Promise<void> {
    await this.runs.transaction((tx) => this.families.refreshStatus(tx, familyId));
  }

  /** Anchor model ids of a ready family, smallest first; 400 when it is not ready. */
  async anchorsOf(id: string): Promise<string[]> {
    const family = await this.get(id).catch(() => null);
    if (!family) throw new InvalidRequestError('invalid stitch spec', [{ path: 'spec.familyId', message: `family not found: ${id}` }]);
    if (family.status !== 'ready') {
      throw new InvalidRequestError('invalid stitch spec', [{ path: 'spec.familyId', message: `family ${id} is not ready (${family.status})` }]);
    }
    return family.members.map((m) => m.modelId as string);
  }
}
