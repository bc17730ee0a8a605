// web-ifc geometry worker for twin ingest (issue 20).
//
// Usage: node worker.mjs FILE.ifc
// Streams one frame per product to stdout (little endian), world metres, Z up (IFC's axes):
//   u32 expressID, u32 vertexCount, u32 triangleCount,
//   f32[vertexCount*3] positions, u32[triangleCount*3] indices
// and ends with a frame whose expressID is 0xFFFFFFFF, followed by u32 length + UTF-8 JSON stats.
// Products web-ifc cannot mesh are simply absent: the Python side falls back to ifcopenshell.
// IfcSpace is skipped by StreamAllMeshes, so spaces are streamed explicitly by type.
import fs from "node:fs";
import * as WebIFC from "web-ifc";

const file = process.argv[2];
const out = 1; // stdout fd, written synchronously: blocks while the reader is behind
let chunks = [];
let pending = 0;
const FLUSH = 1 << 22;

function flush() {
  if (!pending) return;
  const buf = Buffer.concat(chunks, pending);
  let off = 0;
  while (off < buf.length) off += fs.writeSync(out, buf, off, buf.length - off);
  chunks = [];
  pending = 0;
}

function push(buf) {
  chunks.push(buf);
  pending += buf.length;
  if (pending >= FLUSH) flush();
}

const api = new WebIFC.IfcAPI();
await api.Init();
api.SetLogLevel(WebIFC.LogLevel.LOG_LEVEL_OFF);
const t0 = Date.now();
const model = api.OpenModel(new Uint8Array(fs.readFileSync(file)), { COORDINATE_TO_ORIGIN: false });
const stats = { products: 0, geometries: 0, errors: 0, open_ms: Date.now() - t0 };
const seen = new Set();

// One copy per distinct geometry, its vertices welded: web-ifc repeats a corner once per face
// (for normals), several times the positions ifcopenshell gives for the same solid.
const welded = new Map();

function weld(v, ix) {
  const index = new Map();
  const pos = [];
  const remap = new Uint32Array(v.length / 6);
  for (let k = 0, n = 0; k < v.length; k += 6, n++) {
    // quantised: a ring's seam repeats its first corner with float noise; left apart, that one
    // corner biases the ring's centre (1 mm on a 15 mm pipe)
    const key = `${Math.round(v[k] * 1e6)},${Math.round(v[k + 1] * 1e6)},${Math.round(v[k + 2] * 1e6)}`;
    let at = index.get(key);
    if (at === undefined) {
      at = pos.length / 3;
      index.set(key, at);
      pos.push(v[k], v[k + 1], v[k + 2]);
    }
    remap[n] = at;
  }
  const out = new Uint32Array(ix.length);
  for (let k = 0; k < ix.length; k++) out[k] = remap[ix[k]];
  return { v: Float32Array.from(pos), ix: out };
}

function emit(mesh) {
  const id = mesh.expressID;
  if (seen.has(id)) return;
  seen.add(id);
  const parts = [];
  let nv = 0;
  let nt = 0;
  const placed = mesh.geometries;
  for (let i = 0; i < placed.size(); i++) {
    const pg = placed.get(i);
    let local = welded.get(pg.geometryExpressID);
    if (local === undefined) {
      let geom;
      try {
        geom = api.GetGeometry(model, pg.geometryExpressID);
      } catch (e) {
        stats.errors++;
        continue;
      }
      const v = api.GetVertexArray(geom.GetVertexData(), geom.GetVertexDataSize());
      const ix = api.GetIndexArray(geom.GetIndexData(), geom.GetIndexDataSize());
      geom.delete();
      local = weld(v, ix);
      welded.set(pg.geometryExpressID, local);
      stats.geometries++;
    }
    parts.push({ v: local.v, ix: local.ix, m: pg.flatTransformation });
    nv += local.v.length / 3;
    nt += local.ix.length / 3;
  }
  if (nv === 0 || nt === 0) return;
  const head = Buffer.alloc(12);
  head.writeUInt32LE(id, 0);
  head.writeUInt32LE(nv, 4);
  head.writeUInt32LE(nt, 8);
  const pos = new Float32Array(nv * 3);
  const tri = new Uint32Array(nt * 3);
  let pv = 0;
  let pt = 0;
  for (const { v, ix, m } of parts) {
    const base = pv;
    for (let k = 0; k < v.length; k += 3) {
      const x = v[k], y = v[k + 1], z = v[k + 2];
      // column-major 4x4 to web-ifc's Y-up world, then back to IFC's Z-up: (x, -z, y)
      const wx = m[0] * x + m[4] * y + m[8] * z + m[12];
      const wy = m[1] * x + m[5] * y + m[9] * z + m[13];
      const wz = m[2] * x + m[6] * y + m[10] * z + m[14];
      pos[pv * 3] = wx;
      pos[pv * 3 + 1] = -wz;
      pos[pv * 3 + 2] = wy;
      pv++;
    }
    for (let k = 0; k < ix.length; k++) tri[pt++] = ix[k] + base;
  }
  push(head);
  push(Buffer.from(pos.buffer));
  push(Buffer.from(tri.buffer));
  stats.products++;
}

api.StreamAllMeshes(model, emit);
api.StreamAllMeshesWithTypes(model, [WebIFC.IFCSPACE], emit);
stats.total_ms = Date.now() - t0;
const end = Buffer.alloc(12);
end.writeUInt32LE(0xffffffff, 0);
push(end);
const json = Buffer.from(JSON.stringify(stats), "utf8");
const len = Buffer.alloc(4);
len.writeUInt32LE(json.length, 0);
push(len);
push(json);
flush();
api.CloseModel(model);
