// The line a hover shows above a variable's static type when the running kernel holds a tensor in
// it (the kernel's variables request), shared by the editor's hover and Jupyter's inspect_request.
import type { VariableSummary } from '../protocol/kernelProtocol';

/** `x: Tensor (2, 5, 8) float32 · native`: a live tensor's shape, dtype and engine backend. */
export function liveTensorSummary(name: string, tensor: NonNullable<VariableSummary['tensor']>): string {
  const { shape, dtype, backend } = tensor;
  return `${name}: Tensor (${shape.join(', ')}${shape.length === 1 ? ',' : ''}) ${dtype} · ${backend}`;
}
