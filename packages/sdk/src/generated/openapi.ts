// Generated from docs/openapi.json by openapi-typescript (npm run gen). Do not edit.
export interface paths {
    "/v1/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List runs, newest first
         * @description Cursor pagination: pass `nextCursor` back as `cursor`.
         */
        get: operations["RunsController_list"];
        put?: never;
        /**
         * Submit a run
         * @description Validated against the job catalog; defaults are applied and stored.
         */
        post: operations["RunsController_submit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run with its attempts and result */
        get: operations["RunsController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a run
         * @description Queued runs end at once; running attempts are aborted through the worker command stream.
         */
        post: operations["RunsController_cancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry a failed run
         * @description Queues the run again with one more attempt; it resumes from its latest checkpoint where the kind checkpoints.
         */
        post: operations["RunsController_retry"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Log lines of a run, oldest first; page on with `after` */
        get: operations["RunsController_logs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Metric series of a run
         * @description With maxPoints, a longer series is returned as maxPoints step buckets with mean, min and max (spikes survive).
         */
        get: operations["RunsController_metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/catalog": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The job kinds with their spec schemas (JSON Schema), for forms and clients */
        get: operations["CatalogController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The dataset registry: the base data anchors train on and the transfer tasks for fine-tuning */
        get: operations["DatasetsController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/stitches": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every evaluated configuration of a stitch run (anchors included) */
        get: operations["StitchesController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/frontier": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Pareto frontier and the best stitch under a budget
         * @description Frontier over FLOPs (or over latency when maxLatencyMs is given). `best` is the most accurate frontier stitch within every given budget; 404 when none fits.
         */
        get: operations["StitchesController_frontier"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/stitches/{stitchId}/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Register one configuration as a model (kind `stitched`); a repeat returns the same model */
        post: operations["StitchesController_export"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sweeps": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Sweeps, newest first */
        get: operations["SweepsController_list"];
        put?: never;
        /**
         * Start a sweep
         * @description Grid or random search over spec paths of a base run. Every trial is validated before anything runs; `concurrency` trials run at once; with `earlyStopping` the median rule cancels trials worse than the finished ones; trials are ranked by `objective`.
         */
        post: operations["SweepsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sweeps/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A sweep with its trials, best objective first */
        get: operations["SweepsController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sweeps/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a sweep: no more trials start and the active ones are cancelled */
        post: operations["SweepsController_cancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/pipelines": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Pipelines, newest first */
        get: operations["PipelinesController_list"];
        put?: never;
        /**
         * Start a pipeline
         * @description Steps (runs, families, exports) with dependencies; "${step.path}" strings take values from earlier steps' outputs. A failed step fails the pipeline, or with `onFailure: skip` skips only its dependents.
         */
        post: operations["PipelinesController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/pipelines/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A pipeline with the state and outputs of each step */
        get: operations["PipelinesController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/pipelines/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a pipeline: running steps are cancelled, the rest skipped */
        post: operations["PipelinesController_cancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Server-sent events of a run
         * @description Events `snapshot` (the run, first on a fresh stream), `status`, `metrics` (batched points), `logs`, `ping` and `end` (the run finished). Every event id is a cursor: reconnect with the Last-Event-ID header (or ?lastEventId=) to resume right after it.
         */
        get: operations["EventsController_run"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Server-sent status changes of every run and worker changes (for run lists and the fleet)
         * @description Events `status` (resumable with Last-Event-ID), `worker` (a worker's status, current run or connection changed; data `{ worker }`) and `ping`.
         */
        get: operations["EventsController_all"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/families": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List families, newest first */
        get: operations["FamiliesController_list"];
        put?: never;
        /**
         * Train an anchor family
         * @description One train run per member (smallest first); the family is ready to stitch when all of them succeeded.
         */
        post: operations["FamiliesController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/families/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A family with its members, their train runs and anchors */
        get: operations["FamiliesController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List registered models, newest first */
        get: operations["ModelsController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A model with its architecture, metrics and lineage */
        get: operations["ModelsController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/queues": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Depth of each resource class queue (bull-board at /admin/queues shows the jobs) */
        get: operations["WorkersController_queues"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/workers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Registered workers with their backend, devices and heartbeat age */
        get: operations["WorkersController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/workers/{id}/drain": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Drain a worker
         * @description It stops taking jobs, checkpoints and hands back its running attempts (requeued, not failed), deregisters and exits.
         */
        post: operations["WorkersController_drain"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process is up */
        get: operations["HealthController_liveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: the database and Redis answer */
        get: operations["HealthController_readiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics: runs by status, queue depth per class, workers by state, heartbeat ages, attempt durations */
        get: operations["MetricsController_scrape"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** API keys and worker tokens, without their secrets (admin) */
        get: operations["KeysController_list"];
        put?: never;
        /**
         * Create an API key or a worker token (admin)
         * @description The secret is in the answer only: it is stored as a digest.
         */
        post: operations["KeysController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The key making the request: id, name and role (the dashboard signs in with this) */
        get: operations["KeysController_me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys/{id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Revoke a key: it stops working at once (admin) */
        post: operations["KeysController_revoke"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log, newest first (admin)
         * @description Who submitted, cancelled, retried, drained, created or revoked what, when and from where.
         */
        get: operations["KeysController_audit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        DatasetList: {
            datasets: {
                id: string;
                description: string;
                classes: number;
                /** @enum {string} */
                role: "base" | "transfer";
            }[];
        };
        Error: {
            /** @description What went wrong */
            error: string;
            issues?: {
                /** @description Dotted path of the offending field */
                path: string;
                message: string;
            }[];
        };
        Attempt: {
            number: number;
            /** @enum {string} */
            status: "running" | "succeeded" | "failed" | "cancelled" | "lost";
            workerId: string | null;
            backend: string | null;
            fencingToken: string;
            /** @description ISO 8601 time */
            startedAt: string | null;
            /** @description ISO 8601 time */
            endedAt: string | null;
            endReason: string | null;
            error: string | null;
        };
        RunSummary: {
            id: string;
            kind: string;
            name: string | null;
            /** @enum {string} */
            status: "queued" | "running" | "retrying" | "succeeded" | "failed" | "cancelled";
            statusReason: string | null;
            priority: number;
            /** @description Who submitted the run; per-user concurrency limits count by it */
            owner: string;
            resources: unknown;
            /** @description The resource class (queue) the run was placed in */
            resourceClass: string;
            maxAttempts: number;
            progress: number;
            /** @description TensorFlow.js backend of the latest attempt */
            backend: string | null;
            /** @description Worker of the latest attempt */
            workerId: string | null;
            /** @description The kind's headline metric: its latest point while running, the result's once succeeded */
            keyMetric: {
                name: string;
                value: number;
                step: number | null;
            } | null;
            error: string | null;
            /** @description ISO 8601 time */
            createdAt: string | null;
            /** @description ISO 8601 time */
            startedAt: string | null;
            /** @description ISO 8601 time */
            endedAt: string | null;
            /** @description ISO 8601 time */
            cancelRequestedAt: string | null;
        };
        Run: {
            id: string;
            kind: string;
            name: string | null;
            /** @enum {string} */
            status: "queued" | "running" | "retrying" | "succeeded" | "failed" | "cancelled";
            statusReason: string | null;
            priority: number;
            /** @description Who submitted the run; per-user concurrency limits count by it */
            owner: string;
            resources: unknown;
            /** @description The resource class (queue) the run was placed in */
            resourceClass: string;
            maxAttempts: number;
            progress: number;
            /** @description TensorFlow.js backend of the latest attempt */
            backend: string | null;
            /** @description Worker of the latest attempt */
            workerId: string | null;
            /** @description The kind's headline metric: its latest point while running, the result's once succeeded */
            keyMetric: {
                name: string;
                value: number;
                step: number | null;
            } | null;
            error: string | null;
            /** @description ISO 8601 time */
            createdAt: string | null;
            /** @description ISO 8601 time */
            startedAt: string | null;
            /** @description ISO 8601 time */
            endedAt: string | null;
            /** @description ISO 8601 time */
            cancelRequestedAt: string | null;
            /** @description The validated spec, defaults applied */
            spec: unknown;
            /** @description The kind's result once the run succeeded */
            result: unknown;
            attempts: components["schemas"]["Attempt"][];
            /** @description On submission only: why the run may wait (no online worker serves its class yet, its owner is at the concurrency limit) */
            warnings?: string[];
        };
        RunList: {
            runs: components["schemas"]["RunSummary"][];
            nextCursor: string | null;
            /** @description Runs matching the filter, on all pages */
            total: number;
        };
        RunMetrics: {
            runId: string;
            metrics: {
                name: string;
                count: number;
                downsampled: boolean;
                points: {
                    /** @description Raw: the step. Bucket: its first step */
                    step: number;
                    /** @description Raw: the value. Bucket: the mean */
                    value: number;
                    /** @description ISO 8601 time */
                    time: string;
                    /** @description Raw: the attempt that reported the point */
                    attempt?: number | null;
                    /** @description Bucket: its last step */
                    stepEnd?: number;
                    /** @description Bucket: smallest value, so single-step spikes survive */
                    min?: number;
                    /** @description Bucket: largest value */
                    max?: number;
                    /** @description Bucket: points in it */
                    count?: number;
                }[];
            }[];
        };
        Model: {
            id: string;
            name: string;
            /** @description anchor, stitched or finetuned */
            kind: string;
            architecture: unknown;
            artifactUri: string;
            /** @description The run that produced it */
            runId: string | null;
            params: number | null;
            metrics: unknown;
            lineage: unknown;
            /** @description ISO 8601 time */
            createdAt: string | null;
        };
        ModelList: {
            models: components["schemas"]["Model"][];
            nextCursor: string | null;
        };
        Worker: {
            id: string;
            name: string;
            host: string;
            backend: string;
            accelerators: unknown;
            capacity: number;
            resourceClasses: string[];
            /** @description online, busy, draining, dead or offline */
            status: string;
            /** @description Whether its command stream is open to this API process */
            connected: boolean;
            version: string | null;
            currentRunId: string | null;
            /** @description ISO 8601 time */
            registeredAt: string | null;
            /** @description ISO 8601 time */
            lastHeartbeatAt: string | null;
            heartbeatAgeMs: number;
        };
        WorkerList: {
            workers: components["schemas"]["Worker"][];
        };
        /** @description Train a ViT anchor on MNIST and register it as a model. */
        CreateTrainRun: {
            /** @enum {string} */
            kind: "train";
            name?: string;
            /** @default 0 */
            priority?: number;
            /** @default {} */
            resources?: {
                /** @enum {string} */
                accelerator?: "cpu" | "gpu" | "any";
                minDeviceMemoryGb?: number;
            };
            /** @default 3 */
            maxAttempts?: number;
            spec?: {
                /**
                 * @default {
                 *       "preset": "vit-s",
                 *       "init": "fan-in"
                 *     }
                 */
                model?: {
                    /**
                     * @default vit-s
                     * @enum {string}
                     */
                    preset?: "vit-ti" | "vit-s" | "vit-b";
                    /** @enum {number} */
                    patchSize?: 2 | 4 | 7 | 14;
                    dim?: number;
                    depth?: number;
                    heads?: number;
                    mlpRatio?: number;
                    /**
                     * @default fan-in
                     * @enum {string}
                     */
                    init?: "fan-in" | "timm";
                };
                /**
                 * @default {
                 *       "dataset": "mnist",
                 *       "testFraction": 0.2,
                 *       "seed": 0
                 *     }
                 */
                data?: {
                    /**
                     * @default mnist
                     * @enum {string}
                     */
                    dataset?: "mnist";
                    /** @default 0.2 */
                    testFraction?: number;
                    /** @default 0 */
                    seed?: number;
                };
                /** @default 500 */
                steps?: number;
                /** @default 64 */
                batchSize?: number;
                /** @default 0.003 */
                learningRate?: number;
                /** @default 0.05 */
                weightDecay?: number;
                warmupSteps?: number;
                /** @default 0 */
                seed?: number;
                /** @default 10 */
                metricsEvery?: number;
                /** @default 100 */
                checkpointEvery?: number;
                modelName?: string;
            };
        };
        /** @description Stitch anchors into one SN-Net (v1 or v2), train it, and evaluate every stitch. */
        CreateStitchRun: {
            /** @enum {string} */
            kind: "stitch";
            name?: string;
            /** @default 0 */
            priority?: number;
            /** @default {} */
            resources?: {
                /** @enum {string} */
                accelerator?: "cpu" | "gpu" | "any";
                minDeviceMemoryGb?: number;
            };
            /** @default 3 */
            maxAttempts?: number;
            spec?: {
                anchors?: string[];
                familyId?: string;
                /**
                 * @default snnet-v1
                 * @enum {string}
                 */
                method?: "snnet-v1" | "snnet-v2";
                /**
                 * @default {
                 *       "size": 2,
                 *       "stride": 1
                 *     }
                 */
                window?: {
                    /** @default 2 */
                    size?: number;
                    /** @default 1 */
                    stride?: number;
                };
                /** @default true */
                nearest?: boolean;
                loraRank?: number;
                /** @enum {string} */
                sampling?: "uniform" | "ros";
                flopsGap?: number;
                /** @default true */
                trainAnchors?: boolean;
                /**
                 * @default skip
                 * @enum {string}
                 */
                offPathUpdates?: "skip" | "zero";
                distillAlpha?: number;
                /** @default 300 */
                steps?: number;
                /** @default 64 */
                batchSize?: number;
                /** @default 0.0005 */
                learningRate?: number;
                /** @default 0.05 */
                weightDecay?: number;
                warmupSteps?: number;
                /** @default 100 */
                initBatch?: number;
                /** @default 100 */
                checkpointEvery?: number;
                /** @default 10 */
                metricsEvery?: number;
                /** @default 0 */
                seed?: number;
                data?: {
                    /** @enum {string} */
                    dataset?: "mnist";
                    testFraction?: number;
                    seed?: number;
                };
                /**
                 * @default {
                 *       "batchSize": 256,
                 *       "latency": {
                 *         "batchSize": 64,
                 *         "warmup": 10,
                 *         "runs": 50
                 *       }
                 *     }
                 */
                evaluation?: {
                    /** @default 256 */
                    batchSize?: number;
                    /**
                     * @default {
                     *       "batchSize": 64,
                     *       "warmup": 10,
                     *       "runs": 50
                     *     }
                     */
                    latency?: {
                        /** @default 64 */
                        batchSize?: number;
                        /** @default 10 */
                        warmup?: number;
                        /** @default 50 */
                        runs?: number;
                    } | false;
                };
            };
        };
        /** @description Fine-tune a model (full, linear probe, LoRA, Spectral Adapter, SubTuning). */
        CreateFinetuneRun: {
            /** @enum {string} */
            kind: "finetune";
            name?: string;
            /** @default 0 */
            priority?: number;
            /** @default {} */
            resources?: {
                /** @enum {string} */
                accelerator?: "cpu" | "gpu" | "any";
                minDeviceMemoryGb?: number;
            };
            /** @default 3 */
            maxAttempts?: number;
            spec?: {
                modelId: string;
                /**
                 * @default {
                 *       "task": "mnist-parity",
                 *       "testFraction": 0.2,
                 *       "seed": 0
                 *     }
                 */
                data?: {
                    /**
                     * @default mnist-parity
                     * @enum {string}
                     */
                    task?: "mnist-parity" | "mnist-gt4" | "mnist-rotated" | "mnist-inverted" | "mnist-upper";
                    /** @default 0.2 */
                    testFraction?: number;
                    /** @default 0 */
                    seed?: number;
                    shots?: number;
                };
                /**
                 * @default lora
                 * @enum {string}
                 */
                method?: "full" | "linear-probe" | "lora" | "spectral" | "subtuning";
                /** @default 300 */
                steps?: number;
                /** @default 64 */
                batchSize?: number;
                /** @default 0.001 */
                learningRate?: number;
                /** @default 0.01 */
                weightDecay?: number;
                /** @default 0 */
                warmupSteps?: number;
                /** @default 0 */
                seed?: number;
                /** @default 10 */
                metricsEvery?: number;
                /** @default 100 */
                checkpointEvery?: number;
                /**
                 * @default {
                 *       "rank": 4,
                 *       "alpha": 8,
                 *       "dropout": 0,
                 *       "targets": [
                 *         "q",
                 *         "v"
                 *       ]
                 *     }
                 */
                lora?: {
                    /** @default 4 */
                    rank?: number;
                    /** @default 8 */
                    alpha?: number;
                    /** @default 0 */
                    dropout?: number;
                    /**
                     * @default [
                     *       "q",
                     *       "v"
                     *     ]
                     */
                    targets?: ("q" | "k" | "v" | "proj" | "fc1" | "fc2")[];
                };
                /**
                 * @default {
                 *       "rank": 4,
                 *       "variant": "additive",
                 *       "targets": [
                 *         "q",
                 *         "v"
                 *       ]
                 *     }
                 */
                spectral?: {
                    /** @default 4 */
                    rank?: number;
                    /**
                     * @default additive
                     * @enum {string}
                     */
                    variant?: "additive" | "rotation";
                    /**
                     * @default [
                     *       "q",
                     *       "v"
                     *     ]
                     */
                    targets?: ("q" | "k" | "v" | "proj" | "fc1" | "fc2")[];
                };
                /**
                 * @default {
                 *       "start": "non",
                 *       "epsilon": 0.01,
                 *       "candidateSteps": 100
                 *     }
                 */
                subtuning?: {
                    /**
                     * @default non
                     * @enum {string}
                     */
                    start?: "non" | "all" | "best";
                    /** @default 0.01 */
                    epsilon?: number;
                    /** @default 100 */
                    candidateSteps?: number;
                };
                modelName?: string;
            };
        };
        /** @description Top-1 accuracy and loss of a registered model on its test split. */
        CreateEvaluateRun: {
            /** @enum {string} */
            kind: "evaluate";
            name?: string;
            /** @default 0 */
            priority?: number;
            /** @default {} */
            resources?: {
                /** @enum {string} */
                accelerator?: "cpu" | "gpu" | "any";
                minDeviceMemoryGb?: number;
            };
            /** @default 3 */
            maxAttempts?: number;
            spec?: {
                modelId: string;
                data?: {
                    /** @enum {string} */
                    dataset?: "mnist" | "mnist-parity" | "mnist-gt4" | "mnist-rotated" | "mnist-inverted" | "mnist-upper";
                    testFraction?: number;
                    seed?: number;
                };
                /**
                 * @default [
                 *       "top1",
                 *       "top5",
                 *       "loss",
                 *       "flops",
                 *       "params"
                 *     ]
                 */
                metrics?: ("top1" | "top5" | "loss" | "ece" | "knn" | "linear-probe" | "vci" | "flops" | "params" | "latency")[];
                /** @default 256 */
                batchSize?: number;
                /**
                 * @default {
                 *       "k": 20,
                 *       "temperature": 0.07
                 *     }
                 */
                knn?: {
                    /** @default 20 */
                    k?: number;
                    /** @default 0.07 */
                    temperature?: number;
                };
                /**
                 * @default {
                 *       "steps": 300,
                 *       "learningRate": 0.01,
                 *       "weightDecay": 0.01
                 *     }
                 */
                linearProbe?: {
                    /** @default 300 */
                    steps?: number;
                    /** @default 0.01 */
                    learningRate?: number;
                    /** @default 0.01 */
                    weightDecay?: number;
                };
                /**
                 * @default {
                 *       "batchSize": 64,
                 *       "warmup": 10,
                 *       "runs": 50
                 *     }
                 */
                latency?: {
                    /** @default 64 */
                    batchSize?: number;
                    /** @default 10 */
                    warmup?: number;
                    /** @default 50 */
                    runs?: number;
                };
            };
        };
        /** @description Sleep, fail, crash or hang on purpose (tests and benchmarks; needs ANCHORAGE_DIAGNOSTICS=1). */
        CreateDiagnosticRun: {
            /** @enum {string} */
            kind: "diagnostic";
            name?: string;
            /** @default 0 */
            priority?: number;
            /** @default {} */
            resources?: {
                /** @enum {string} */
                accelerator?: "cpu" | "gpu" | "any";
                minDeviceMemoryGb?: number;
            };
            /** @default 3 */
            maxAttempts?: number;
            spec?: {
                /** @enum {string} */
                action: "noop";
            } | {
                /** @enum {string} */
                action: "sleep";
                /** @default 1000 */
                durationMs?: number;
                /** @default 10 */
                steps?: number;
                value?: number;
            } | {
                /** @enum {string} */
                action: "fail";
                /** @default diagnostic failure */
                message?: string;
                /** @default false */
                retryable?: boolean;
            } | {
                /** @enum {string} */
                action: "crash";
                /** @default 70 */
                exitCode?: number;
            } | {
                /** @enum {string} */
                action: "hang";
            } | {
                /** @enum {string} */
                action: "oom";
                /** @default 1099511627776 */
                bytes?: number;
            };
        };
        CreateRunRequest: components["schemas"]["CreateTrainRun"] | components["schemas"]["CreateStitchRun"] | components["schemas"]["CreateFinetuneRun"] | components["schemas"]["CreateEvaluateRun"] | components["schemas"]["CreateDiagnosticRun"];
        Family: {
            id: string;
            name: string;
            /** @enum {string} */
            status: "training" | "ready" | "failed";
            members: {
                preset: string;
                runId: string | null;
                runStatus: string | null;
                /** @description The trained anchor, once its run succeeded */
                modelId: string | null;
            }[];
            /** @description ISO 8601 time */
            createdAt: string | null;
        };
        FamilyList: {
            families: components["schemas"]["Family"][];
        };
        Stitch: {
            stitchId: number;
            label: string;
            /** @enum {string} */
            kind: "anchor" | "stitch";
            configuration: unknown;
            /** @description Multiply-adds per image (fvcore convention) */
            flops: number;
            params: number;
            /** @description Top-1 on the test split, as a fraction */
            accuracy: number;
            top5: number | null;
            loss: number | null;
            /** @description Median latency at the measured batch size */
            latencyMs: number | null;
            latency: unknown;
            onFrontier: boolean;
        };
        StitchList: {
            runId: string;
            stitches: components["schemas"]["Stitch"][];
        };
        Frontier: {
            runId: string;
            /**
             * @description The cost axis of the frontier
             * @enum {string}
             */
            cost: "flops" | "latencyMs";
            frontier: components["schemas"]["Stitch"][];
            /** @description The most accurate frontier stitch within the budget (or overall) */
            best: components["schemas"]["Stitch"] | null;
        };
        QueueList: {
            queues: {
                /** @description Resource class, e.g. cpu, gpu, gpu-80g or any */
                resourceClass: string;
                /** @description The class's device kind: cpu, gpu or any */
                accelerator: string;
                /** @description Device memory every worker of the class has (0: no minimum) */
                minDeviceMemoryGb: number;
                /** @description BullMQ queue name */
                name: string;
                waiting: number;
                prioritized: number;
                delayed: number;
                /** @description Delayed jobs whose delay has passed */
                dueDelayed: number;
                active: number;
                /** @description Jobs waiting to start now: waiting + prioritized + due delayed (the autoscaling metric) */
                depth: number;
                /** @description Online workers consuming this class */
                workers: number;
            }[];
        };
        RunLogs: {
            runId: string;
            lines: {
                id: string;
                attempt: number | null;
                level: string;
                message: string;
                /** @description ISO 8601 time */
                time: string;
            }[];
            /** @description Pass as `after` to read on; null at the end */
            nextCursor: string | null;
        };
        Catalog: {
            kinds: {
                kind: string;
                description: string;
                supported: boolean;
                defaultAccelerator: string;
                /** @description JSON Schema (draft 2020-12) of the spec, defaults included */
                specSchema: {
                    [key: string]: unknown;
                };
            }[];
        };
        Sweep: {
            id: string;
            name: string | null;
            /** @enum {string} */
            status: "running" | "succeeded" | "failed" | "cancelled";
            /** @enum {string} */
            strategy: "grid" | "random";
            concurrency: number;
            objective: {
                field: string;
                /** @enum {string} */
                goal: "max" | "min";
            };
            /** @description The median stopping rule, when enabled */
            earlyStopping: unknown;
            counts: {
                pending: number;
                active: number;
                succeeded: number;
                failed: number;
                cancelled: number;
                stopped: number;
            };
            /** @description Best objective first; trials without one after, by index */
            trials: {
                index: number;
                params: {
                    [key: string]: string | number | boolean;
                };
                /** @description Null until the trial is submitted */
                runId: string | null;
                /** @description pending (not submitted yet), a run status, or stopped (the median rule cancelled it) */
                status: string;
                /** @description The objective field of the trial's result */
                objective: number | null;
            }[];
            best: {
                index: number;
                params: {
                    [key: string]: string | number | boolean;
                };
                /** @description Null until the trial is submitted */
                runId: string | null;
                /** @description pending (not submitted yet), a run status, or stopped (the median rule cancelled it) */
                status: string;
                /** @description The objective field of the trial's result */
                objective: number | null;
            } | null;
            /** @description ISO 8601 time */
            createdAt: string | null;
            /** @description ISO 8601 time */
            endedAt: string | null;
        };
        SweepList: {
            sweeps: components["schemas"]["Sweep"][];
        };
        Pipeline: {
            id: string;
            name: string | null;
            /** @enum {string} */
            status: "running" | "succeeded" | "failed" | "cancelled";
            steps: {
                id: string;
                /** @enum {string} */
                type: "run" | "family" | "export";
                dependsOn: string[];
                /** @enum {string} */
                status: "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";
                /** @description Run steps: the run */
                runId: string | null;
                /** @description Family steps: the family */
                familyId: string | null;
                /** @description What later steps can refer to as ${id.path} */
                outputs: unknown;
                error: string | null;
            }[];
            /** @description ISO 8601 time */
            createdAt: string | null;
            /** @description ISO 8601 time */
            endedAt: string | null;
        };
        PipelineList: {
            pipelines: components["schemas"]["Pipeline"][];
        };
        CreateFamilyRequest: {
            name: string;
            /**
             * @default [
             *       "vit-ti",
             *       "vit-s",
             *       "vit-b"
             *     ]
             */
            members?: ("vit-ti" | "vit-s" | "vit-b")[];
            /** @default {} */
            train?: {
                [key: string]: unknown;
            };
            /** @default 0 */
            priority?: number;
            /** @default 3 */
            maxAttempts?: number;
        };
        CreateSweepRequest: {
            name?: string;
            base: {
                /** @enum {string} */
                kind: "train" | "stitch" | "finetune" | "evaluate" | "diagnostic";
                name?: string;
                /** @default 0 */
                priority?: number;
                /** @default {} */
                resources?: {
                    /** @enum {string} */
                    accelerator?: "cpu" | "gpu" | "any";
                    minDeviceMemoryGb?: number;
                };
                /** @default 3 */
                maxAttempts?: number;
                /** @default {} */
                spec?: unknown;
            };
            parameters: {
                [key: string]: {
                    values: (string | number | boolean)[];
                } | {
                    min: number;
                    max: number;
                    /** @default false */
                    log?: boolean;
                    /** @default false */
                    int?: boolean;
                };
            };
            /**
             * @default grid
             * @enum {string}
             */
            strategy?: "grid" | "random";
            trials?: number;
            /** @default 0 */
            seed?: number;
            /** @default 2 */
            concurrency?: number;
            objective: {
                field: string;
                /**
                 * @default max
                 * @enum {string}
                 */
                goal?: "max" | "min";
            };
            earlyStopping?: {
                metric: string;
                /**
                 * @default min
                 * @enum {string}
                 */
                goal?: "max" | "min";
                /** @default 10 */
                minSteps?: number;
                /** @default 2 */
                minTrials?: number;
            };
        };
        CreatePipelineRequest: {
            name?: string;
            steps: ({
                id: string;
                /** @default [] */
                dependsOn?: string[];
                /**
                 * @default fail
                 * @enum {string}
                 */
                onFailure?: "fail" | "skip";
                /** @enum {string} */
                type: "run";
                run: {
                    /** @enum {string} */
                    kind: "train" | "stitch" | "finetune" | "evaluate" | "diagnostic";
                    name?: string;
                    /** @default 0 */
                    priority?: number;
                    /** @default {} */
                    resources?: {
                        /** @enum {string} */
                        accelerator?: "cpu" | "gpu" | "any";
                        minDeviceMemoryGb?: number;
                    };
                    /** @default 3 */
                    maxAttempts?: number;
                    /** @default {} */
                    spec?: unknown;
                };
            } | {
                id: string;
                /** @default [] */
                dependsOn?: string[];
                /**
                 * @default fail
                 * @enum {string}
                 */
                onFailure?: "fail" | "skip";
                /** @enum {string} */
                type: "family";
                family: components["schemas"]["CreateFamilyRequest"];
            } | {
                id: string;
                /** @default [] */
                dependsOn?: string[];
                /**
                 * @default fail
                 * @enum {string}
                 */
                onFailure?: "fail" | "skip";
                /** @enum {string} */
                type: "export";
                export: {
                    runId: string;
                    maxFlops?: number;
                    maxLatencyMs?: number;
                };
            })[];
        };
        CreateKeyRequest: {
            name: string;
            /** @enum {string} */
            role: "admin" | "submitter" | "viewer" | "worker";
        };
        ApiKey: {
            id: string;
            name: string;
            /** @enum {string} */
            role: "admin" | "submitter" | "viewer" | "worker";
            /** @description The first characters of the key, to recognise it */
            prefix: string;
            createdBy: string;
            /** @description ISO 8601 time */
            createdAt: string;
            /** @description ISO 8601 time */
            revokedAt: string | null;
            /** @description ISO 8601 time */
            lastUsedAt: string | null;
        };
        CreatedApiKey: {
            id: string;
            name: string;
            /** @enum {string} */
            role: "admin" | "submitter" | "viewer" | "worker";
            /** @description The first characters of the key, to recognise it */
            prefix: string;
            createdBy: string;
            /** @description ISO 8601 time */
            createdAt: string;
            /** @description ISO 8601 time */
            revokedAt: string | null;
            /** @description ISO 8601 time */
            lastUsedAt: string | null;
            /** @description The secret: shown once, never stored; send it as `Authorization: Bearer <key>` */
            key: string;
        };
        Me: {
            id: string;
            name: string;
            /** @enum {string} */
            role: "admin" | "submitter" | "viewer" | "worker";
        };
        ApiKeyList: {
            keys: components["schemas"]["ApiKey"][];
        };
        AuditEvent: {
            id: string;
            /** @description ISO 8601 time */
            at: string;
            /** @description Key id of the caller (`bootstrap` for ANCHORAGE_ADMIN_KEY) */
            actor: string;
            actorName: string;
            role: string;
            /** @description run.submit, run.cancel, run.retry, worker.drain, key.create, key.revoke, … */
            action: string;
            target: string | null;
            /** @description Client address */
            source: string | null;
            details: unknown;
        };
        AuditList: {
            events: components["schemas"]["AuditEvent"][];
            nextCursor: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    RunsController_list: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                /** @description Text search: a substring of the name (any case) or a prefix of the id */
                q?: string;
                status?: "queued" | "running" | "retrying" | "succeeded" | "failed" | "cancelled";
                kind?: "train" | "stitch" | "finetune" | "evaluate" | "diagnostic";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunList"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    RunsController_submit: {
        parameters: {
            query?: never;
            header?: {
                /** @description A repeat with the same key returns the same run */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateRunRequest"];
            };
        };
        responses: {
            /** @description Replay of an earlier submission with the same Idempotency-Key */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description Invalid input; `issues` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    RunsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    RunsController_cancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The run already ended */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    RunsController_retry: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The run is not failed */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    RunsController_logs: {
        parameters: {
            query?: {
                limit?: number;
                /** @description Id of the last line already read */
                after?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunLogs"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    RunsController_metrics: {
        parameters: {
            query?: {
                maxPoints?: number;
                /** @description Only this metric */
                name?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunMetrics"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    CatalogController_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Catalog"];
                };
            };
        };
    };
    DatasetsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetList"];
                };
            };
        };
    };
    StitchesController_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StitchList"];
                };
            };
            /** @description Not a stitch run */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The run has not succeeded (yet) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    StitchesController_frontier: {
        parameters: {
            query?: {
                maxLatencyMs?: number;
                /** @description Multiply-adds per image */
                maxFlops?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Frontier"];
                };
            };
            /** @description Bad budget or not a stitch run */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No run, or no stitch within the budget */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    StitchesController_export: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Already exported */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Model"];
                };
            };
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Model"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    SweepsController_list: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SweepList"];
                };
            };
        };
    };
    SweepsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateSweepRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Sweep"];
                };
            };
            /** @description Invalid request or a trial that is not a valid run; `issues` names the parameter */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    SweepsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Sweep"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    SweepsController_cancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Sweep"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The sweep already ended */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    PipelinesController_list: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PipelineList"];
                };
            };
        };
    };
    PipelinesController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreatePipelineRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Pipeline"];
                };
            };
            /** @description Invalid steps, unknown dependencies, cycles or references to non-ancestors; `issues` names each */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    PipelinesController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Pipeline"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    PipelinesController_cancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Pipeline"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The pipeline already ended */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    EventsController_run: {
        parameters: {
            query?: {
                lastEventId?: string;
            };
            header?: {
                "Last-Event-ID"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["Error"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["Error"];
                };
            };
        };
    };
    EventsController_all: {
        parameters: {
            query?: {
                lastEventId?: string;
            };
            header?: {
                "Last-Event-ID"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    FamiliesController_list: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FamilyList"];
                };
            };
        };
    };
    FamiliesController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateFamilyRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Family"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    FamiliesController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Family"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    ModelsController_list: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                /** @description Only the models this run produced */
                runId?: string;
                kind?: "anchor" | "stitched" | "finetuned";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelList"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    ModelsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Model"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    WorkersController_queues: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QueueList"];
                };
            };
        };
    };
    WorkersController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkerList"];
                };
            };
        };
    };
    WorkersController_drain: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Worker"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The worker is not connected to this API or already gone */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    HealthController_liveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    HealthController_readiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Health Check is successful */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * @example ok
                         * @enum {string}
                         */
                        status?: "ok" | "degraded";
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up",
                         *         "responseTime": 12
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /** @example {} */
                        error?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up",
                         *         "responseTime": 12
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
            /** @description The Health Check is not successful */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * @example error
                         * @enum {string}
                         */
                        status?: "error" | "shutting_down";
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up",
                         *         "responseTime": 12
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect",
                         *         "responseTime": 3005
                         *       }
                         *     }
                         */
                        error?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up",
                         *         "responseTime": 12
                         *       },
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect",
                         *         "responseTime": 3005
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
        };
    };
    MetricsController_scrape: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    KeysController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyList"];
                };
            };
        };
    };
    KeysController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateKeyRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedApiKey"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    KeysController_me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    KeysController_revoke: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Already revoked */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    KeysController_audit: {
        parameters: {
            query?: {
                action?: string;
                actor?: string;
                limit?: number;
                before?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditList"];
                };
            };
        };
    };
}
