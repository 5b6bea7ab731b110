import { describeShutdownDrills } from "../helpers/shutdown-drill.js";

/**
 * Issue 17, in full: `ecsmon agent` and `ecsmon controller` each signalled 20 times in a row with Redis
 * unreachable and 20 times with Redis stalled (SIGSTOP), 5 at a time; every run must exit within
 * ECSMON_SHUTDOWN_TIMEOUT (plus scheduling slack). `npm test` runs 5 per case (test/integration/bounded-shutdown.test.ts).
 */
describeShutdownDrills("bounded shutdown drills", 20, 5);
