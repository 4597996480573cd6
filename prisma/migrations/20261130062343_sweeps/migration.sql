-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "sweep_id" TEXT,
ADD COLUMN     "trial_index" INTEGER,
ADD COLUMN     "trial_params" JSONB;

-- CreateTable
CREATE TABLE "sweeps" (
    "id" TEXT NOT NULL,
    "name" TEXT,
    "status" TEXT NOT NULL,
    "request" JSONB NOT NULL,
    "plan" JSONB NOT NULL,
    "concurrency" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMP(3),

    CONSTRAINT "sweeps_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sweeps_status_idx" ON "sweeps"("status");

-- CreateIndex
CREATE UNIQUE INDEX "runs_sweep_id_trial_index_key" ON "runs"("sweep_id", "trial_index");

-- AddForeignKey
ALTER TABLE "runs" ADD CONSTRAINT "runs_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE SET NULL ON UPDATE CASCADE;
