// History <-> JSON in the format `temporal workflow show --output json` and the Web UI use
// (protobuf JSON), for the recorder and the replay test.
//
// Why not historyToJSON/historyFromJSON from @temporalio/common/lib/proto-utils: in this install
// @temporalio/common, @temporalio/proto and @temporalio/worker each carry their own nested copy of
// protobufjs 8 (the top-level protobufjs is 7, for @grpc/proto-loader). proto-utils pairs the
// protojson extension of common's copy with message types built by proto's copy, and protojson's
// `type instanceof Type` check fails: "TypeError: type must be a Type". (Worker.runReplayHistory
// given parsed JSON calls the same historyFromJSON.) Resolving protobufjs from @temporalio/proto's
// own directory gives the copy its types were built with, whatever npm's layout is.
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

/** A decoded history, as fetchHistory() returns it and Worker.runReplayHistory takes it. */
export type History = temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown, options?: object): unknown;
  fromJson(type: unknown, json: unknown, options?: object): unknown;
}

const protojson = require(
  require.resolve('protobufjs/ext/protojson', {
    paths: [path.dirname(require.resolve('@temporalio/proto/package.json'))],
  }),
) as ProtoJson;
const root = patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown };
const historyType = root.lookupType('temporal.api.history.v1.History');

/** The history as a protobuf-JSON object (enums as names, timestamps as RFC 3339, payload data as base64). */
export function historyToJSONObject(history: History): { events: Record<string, unknown>[] } {
  return protojson.toJson(historyType, temporal.api.history.v1.History.fromObject(history)) as {
    events: Record<string, unknown>[];
  };
}

/** A decoded history from its protobuf-JSON form; unknown fields (a newer server's) are ignored. */
export function historyFromJSONObject(json: unknown): History {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError('not a history: expected an object with an events array');
  }
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}
