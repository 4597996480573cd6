-- AlterTable
ALTER TABLE "pipelines" ADD COLUMN     "owner" TEXT NOT NULL DEFAULT 'anonymous';

-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "admitted_at" TIMESTAMP(3),
ADD COLUMN     "owner" TEXT NOT NULL DEFAULT 'anonymous';

-- AlterTable
ALTER TABLE "sweeps" ADD COLUMN     "owner" TEXT NOT NULL DEFAULT 'anonymous';

-- CreateIndex
CREATE INDEX "runs_owner_status_idx" ON "runs"("owner", "status");

-- Runs that existed before admission control had already gone to the queue.
UPDATE "runs" SET "admitted_at" = "created_at" WHERE "admitted_at" IS NULL;
