// Test helpers for projects that run sweeps against real servers on loopback: Redis, an S3 server, a fake RunPod.
export { freePort, hasRedisServer, startRedisServer, startS3Server, type RedisServerHandle, type S3ServerHandle } from './testing/servers.ts';
export { startFakeRunPod, type FakePod, type FakeRequest, type FakeRunPod, type FakeRunPodOptions } from './testing/fakeRunPod.ts';
