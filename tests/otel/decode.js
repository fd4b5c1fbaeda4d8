// Decode buildwarden's OTLP trace requests with the OpenTelemetry JS
// project's generated protobuf definitions (@opentelemetry/otlp-transformer,
// protobufjs from opentelemetry-proto), and print their spans as JSON for
// tests/bpf/test_otel_traces.py.
//   node decode.js FILE...   (FILE ending in .pb: protobuf; .json: OTLP JSON)
// A protobuf body is decoded and verified; a JSON body is mapped the way
// the OTLP JSON encoding says (ids as hex) into the message with
// fromObject, verified, encoded and decoded again: a misnamed or
// mistyped field is lost or rejected on the way and the counts differ.
'use strict';
const fs = require('fs');
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');
const Req = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const hex = (b) => Buffer.from(b || []).toString('hex');

function anyValue(v) {
  if (v.stringValue !== undefined && v.stringValue !== null && v.value === 'stringValue') return v.stringValue;
  if (v.value === 'intValue') return Number(v.intValue.toString());
  if (v.value === 'boolValue') return v.boolValue;
  if (v.value === 'doubleValue') return v.doubleValue;
  throw new Error('unexpected AnyValue ' + JSON.stringify(v));
}

function attrs(list) {
  const out = {};
  for (const kv of list || []) {
    if (kv.key in out) throw new Error('attribute ' + kv.key + ' twice');
    out[kv.key] = anyValue(kv.value);
  }
  return out;
}

function spansOf(msg) {
  const err = Req.verify(msg);
  if (err) throw new Error('verify: ' + err);
  const out = [];
  for (const rs of msg.resourceSpans) {
    const res = attrs(rs.resource && rs.resource.attributes);
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        out.push({
          resource: res, scope: ss.scope && ss.scope.name,
          traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: hex(s.parentSpanId),
          name: s.name, kind: s.kind,
          start: s.startTimeUnixNano.toString(), end: s.endTimeUnixNano.toString(),
          attrs: attrs(s.attributes),
          events: (s.events || []).map((e) => ({ name: e.name, time: e.timeUnixNano.toString(), attrs: attrs(e.attributes) })),
          droppedEventsCount: s.droppedEventsCount || 0,
          status: { code: s.status ? s.status.code : 0, message: s.status ? s.status.message : '' },
        });
      }
    }
  }
  return out;
}

// OTLP JSON: trace and span ids are hex, not protobuf JSON's base64.
function fromOtlpJson(text) {
  const obj = JSON.parse(text);
  let count = 0, attrCount = 0, eventCount = 0;
  for (const rs of obj.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
    for (const k of ['traceId', 'spanId', 'parentSpanId']) if (s[k] !== undefined) s[k] = Buffer.from(s[k], 'hex');
    count++; attrCount += s.attributes.length; eventCount += (s.events || []).length;
  }
  const msg = Req.fromObject(obj);
  const again = Req.decode(Req.encode(msg).finish());
  let c2 = 0, a2 = 0, e2 = 0;
  for (const rs of again.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
    c2++; a2 += s.attributes.length; e2 += (s.events || []).length;
    for (const kv of s.attributes) if (!kv.value || !kv.value.value) throw new Error('attribute ' + kv.key + ' lost its value');
  }
  if (c2 !== count || a2 !== attrCount || e2 !== eventCount)
    throw new Error(`JSON fields lost in the message: spans ${count}/${c2}, attributes ${attrCount}/${a2}, events ${eventCount}/${e2}`);
  return again;
}

const all = [];
for (const f of process.argv.slice(2)) {
  const data = fs.readFileSync(f);
  const msg = f.endsWith('.pb') ? Req.decode(data) : fromOtlpJson(data.toString('utf8'));
  for (const s of spansOf(msg)) all.push(s);
}
process.stdout.write(JSON.stringify(all));
