// The one error type the converter throws for bad or unsupported input. Its message always names
// the place (ONNX op type, node name, opset, attribute or tensor) so a user can find the cause in
// their model without a stack trace.
export class ConvertError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConvertError';
  }
}
