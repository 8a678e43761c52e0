// arg_max / arg_min write s32 indices, which Mote hands to the host as graph outputs: no runtime op
// reads an s32 activation (a reshape or copy only renames one). A model that feeds the indices into
// another op (a gather, a cast, a comparison...) is refused at import, naming both ops.
import { ConvertError } from '../errors.js';
import type { Graph, Node } from '../ir/graph.js';

const where = (n: Node) => n.source ?? `${n.op} node '${n.name}'`;

export function refuseIndexConsumers(g: Graph): void {
  const indexOf = new Map<string, Node>(); // an s32 index tensor → the arg_max / arg_min it holds
  for (const n of g.nodes) {
    if (n.op === 'arg_max' || n.op === 'arg_min') indexOf.set(n.outputs[0], n);
    else if ((n.op === 'reshape' || n.op === 'copy') && indexOf.has(n.inputs[0])) indexOf.set(n.outputs[0], indexOf.get(n.inputs[0])!);
    else {
      const arg = n.inputs.map((t) => indexOf.get(t)).find((p) => p);
      if (arg) throw new ConvertError(`${where(n)} reads the indices of ${where(arg)}: arg_max / arg_min indices can only be graph outputs`);
    }
  }
}
