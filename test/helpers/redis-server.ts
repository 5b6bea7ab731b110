/** Tests keep importing the redis-server helper from here; it lives in lib/redis-server.ts (bench and `ecsmon local`). */
export { type RedisServer, startRedisServer } from "../../lib/redis-server.js";
