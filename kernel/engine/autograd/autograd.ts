/** The `autograd` namespace of the cells, as torch.autograd: `autograd.grad(outputs, inputs)`, `autograd.backward`. */
export { backward, grad } from './backward';
