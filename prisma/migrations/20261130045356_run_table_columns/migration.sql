-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "key_metric_name" TEXT,
ADD COLUMN     "key_metric_step" INTEGER,
ADD COLUMN     "key_metric_value" DOUBLE PRECISION,
ADD COLUMN     "worker_id" TEXT;
