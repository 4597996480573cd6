-- AlterTable
ALTER TABLE "attempts" ADD COLUMN     "last_report_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "queue_job_id" TEXT;

-- CreateIndex
CREATE INDEX "attempts_status_worker_id_idx" ON "attempts"("status", "worker_id");
