/**
 * glibc malloc settings for ecsmon's long-running processes (ADR 0012). Node reads sockets into 64 KiB buffers;
 * under glibc's dynamic mmap threshold they come from the brk heap once any larger block has been freed, and the
 * heap fragments: on large.yaml the controller's RSS grew by ~50 MB that way. A fixed threshold of 64 KiB serves
 * them with mmap and returns them to the OS when freed. glibc reads the variable at process start, so it is set
 * in the image (Dockerfile `ENV`) and in the environment of the processes `ecsmon local` and the bench start.
 */
export const MALLOC_TUNING: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: "65536" };
