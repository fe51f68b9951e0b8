// The standard ONNX operator names (default domain, through opset 21) and the domains that count
// as "standard". Used when a benchmark gives no explicit allowlist. None of these reads files or
// touches the network; custom domains (com.microsoft, user domains) are where such ops live.
export const STANDARD_DOMAINS: ReadonlySet<string> = new Set(['', 'ai.onnx']);

export const STANDARD_OPS: ReadonlySet<string> = new Set([
  'Abs', 'Acos', 'Acosh', 'Add', 'AffineGrid', 'And', 'ArgMax', 'ArgMin', 'Asin', 'Asinh', 'Atan', 'Atanh',
  'AveragePool', 'BatchNormalization', 'Bernoulli', 'BitShift', 'BitwiseAnd', 'BitwiseNot', 'BitwiseOr',
  'BitwiseXor', 'BlackmanWindow', 'Cast', 'CastLike', 'Ceil', 'Celu', 'CenterCropPad', 'Clip', 'Col2Im',
  'Compress', 'Concat', 'ConcatFromSequence', 'Constant', 'ConstantOfShape', 'Conv', 'ConvInteger',
  'ConvTranspose', 'Cos', 'Cosh', 'CumSum', 'DFT', 'DeformConv', 'DepthToSpace', 'DequantizeLinear', 'Det',
  'Div', 'Dropout', 'DynamicQuantizeLinear', 'Einsum', 'Elu', 'Equal', 'Erf', 'Exp', 'Expand', 'EyeLike',
  'Flatten', 'Floor', 'GRU', 'Gather', 'GatherElements', 'GatherND', 'Gelu', 'Gemm', 'GlobalAveragePool',
  'GlobalLpPool', 'GlobalMaxPool', 'Greater', 'GreaterOrEqual', 'GridSample', 'GroupNormalization',
  'HammingWindow', 'HannWindow', 'HardSigmoid', 'HardSwish', 'Hardmax', 'Identity', 'If', 'ImageDecoder',
  'InstanceNormalization', 'IsInf', 'IsNaN', 'LRN', 'LSTM', 'LayerNormalization', 'LeakyRelu', 'Less',
  'LessOrEqual', 'Log', 'LogSoftmax', 'Loop', 'LpNormalization', 'LpPool', 'MatMul', 'MatMulInteger', 'Max',
  'MaxPool', 'MaxRoiPool', 'MaxUnpool', 'Mean', 'MeanVarianceNormalization', 'MelWeightMatrix', 'Min', 'Mish',
  'Mod', 'Mul', 'Multinomial', 'Neg', 'NegativeLogLikelihoodLoss', 'NonMaxSuppression', 'NonZero', 'Not',
  'OneHot', 'Optional', 'OptionalGetElement', 'OptionalHasElement', 'Or', 'PRelu', 'Pad', 'Pow',
  'QLinearConv', 'QLinearMatMul', 'QuantizeLinear', 'RNN', 'RandomNormal', 'RandomNormalLike',
  'RandomUniform', 'RandomUniformLike', 'Range', 'Reciprocal', 'ReduceL1', 'ReduceL2', 'ReduceLogSum',
  'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd', 'ReduceSum', 'ReduceSumSquare',
  'RegexFullMatch', 'Relu', 'Reshape', 'Resize', 'ReverseSequence', 'RoiAlign', 'Round', 'STFT', 'Scan',
  'Scatter', 'ScatterElements', 'ScatterND', 'Selu', 'SequenceAt', 'SequenceConstruct', 'SequenceEmpty',
  'SequenceErase', 'SequenceInsert', 'SequenceLength', 'SequenceMap', 'Shape', 'Shrink', 'Sigmoid', 'Sign',
  'Sin', 'Sinh', 'Size', 'Slice', 'Softmax', 'SoftmaxCrossEntropyLoss', 'Softplus', 'Softsign',
  'SpaceToDepth', 'Split', 'SplitToSequence', 'Sqrt', 'Squeeze', 'StringConcat', 'StringNormalizer',
  'StringSplit', 'Sub', 'Sum', 'Tan', 'Tanh', 'TfIdfVectorizer', 'ThresholdedRelu', 'Tile', 'TopK',
  'Transpose', 'Trilu', 'Unique', 'Unsqueeze', 'Upsample', 'Where', 'Xor',
]);

/**
 * Ops of the standard domain that are refused even without an allowlist: random generators make
 * scores depend on ORT's internal seeding, which breaks bit-for-bit reproducibility.
 */
export const NONDETERMINISTIC_OPS: ReadonlySet<string> = new Set([
  'Bernoulli', 'Multinomial', 'RandomNormal', 'RandomNormalLike', 'RandomUniform', 'RandomUniformLike',
]);
