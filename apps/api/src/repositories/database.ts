// Owns the Prisma client: Postgres when DATABASE_URL is set, embedded PGlite otherwise.
// Pending migrations are applied before the API serves anything.
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createDatabase, type Database, type PrismaClient } from '@anchorage/db';
import { API_CONFIG, type ApiConfig } from '../config.js';

export const DATABASE = Symbol('DATABASE');

export const databaseProvider = {
  provide: DATABASE,
  inject: [API_CONFIG],
  useFactory: async (config: ApiConfig): Promise<Database> => {
    const logger = new Logger('Database');
    const db = await createDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      migrate: { log: (line) => logger.log(line) },
    });
    logger.log(`${db.kind} ready`);
    return db;
  },
};

@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

/** Repositories take the client through this token so none of them opens its own. */
export const PRISMA = Symbol('PRISMA');
export const prismaProvider = {
  provide: PRISMA,
  inject: [DATABASE],
  useFactory: (db: Database): PrismaClient => db.prisma,
};
