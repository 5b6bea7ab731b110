import { describeShutdownDrills } from "../helpers/shutdown-drill.js";

/**
 * Issue 17: each process exits within ECSMON_SHUTDOWN_TIMEOUT whatever its connections are doing. Real
 * `ecsmon agent` and `ecsmon controller` processes are signalled with Redis unreachable and with Redis stalled
 * (SIGSTOP), 5 times in a row each; every one must exit within the timeout, with code 0 after a clean stop or
 * code 1 and the logged hard exit. test/faults/bounded-shutdown-drills.test.ts runs the same drill 20 times per case.
 */
describeShutdownDrills("bounded shutdown", 5, 5);
