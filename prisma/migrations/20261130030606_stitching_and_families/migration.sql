-- AlterTable
ALTER TABLE "models" ADD COLUMN     "family_id" TEXT;

-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "family_id" TEXT;

-- CreateTable
CREATE TABLE "families" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "members" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "families_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stitch_results" (
    "id" BIGSERIAL NOT NULL,
    "run_id" TEXT NOT NULL,
    "stitch_id" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "configuration" JSONB NOT NULL,
    "flops" DOUBLE PRECISION NOT NULL,
    "params" INTEGER NOT NULL,
    "accuracy" DOUBLE PRECISION NOT NULL,
    "top5" DOUBLE PRECISION,
    "loss" DOUBLE PRECISION,
    "latency_ms" DOUBLE PRECISION,
    "latency" JSONB,
    "on_frontier" BOOLEAN NOT NULL,

    CONSTRAINT "stitch_results_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "families_created_at_idx" ON "families"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "stitch_results_run_id_stitch_id_key" ON "stitch_results"("run_id", "stitch_id");

-- CreateIndex
CREATE INDEX "models_family_id_idx" ON "models"("family_id");

-- CreateIndex
CREATE INDEX "runs_family_id_idx" ON "runs"("family_id");

-- AddForeignKey
ALTER TABLE "runs" ADD CONSTRAINT "runs_family_id_fkey" FOREIGN KEY ("family_id") REFERENCES "families"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "models" ADD CONSTRAINT "models_family_id_fkey" FOREIGN KEY ("family_id") REFERENCES "families"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stitch_results" ADD CONSTRAINT "stitch_results_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
