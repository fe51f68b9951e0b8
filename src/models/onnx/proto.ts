// The ONNX protobuf schema (the subset arbiter reads and writes), compiled once with protobufjs.
// We parse model files ourselves, in pure JS, so that admission can inspect a hostile file
// (opsets, operators, initializers, external data) without handing it to native code first.
import protobuf from 'protobufjs';

const ONNX_PROTO = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1;
  optional string ref_attr_name = 21;
  optional string doc_string = 13;
  optional int32 type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  optional GraphProto g = 6;
  optional SparseTensorProto sparse_tensor = 22;
  optional TypeProto tp = 14;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated GraphProto graphs = 11;
  repeated SparseTensorProto sparse_tensors = 23;
  repeated TypeProto type_protos = 15;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; optional string doc_string = 3; }
message NodeProto {
  repeated string input = 1; repeated string output = 2; optional string name = 3; optional string op_type = 4;
  optional string domain = 7; repeated AttributeProto attribute = 5; optional string doc_string = 6;
}
message ModelProto {
  optional int64 ir_version = 1; repeated OperatorSetIdProto opset_import = 8; optional string producer_name = 2;
  optional string producer_version = 3; optional string domain = 4; optional int64 model_version = 5;
  optional string doc_string = 6; optional GraphProto graph = 7; repeated StringStringEntryProto metadata_props = 14;
  repeated FunctionProto functions = 25;
}
message StringStringEntryProto { optional string key = 1; optional string value = 2; }
message GraphProto {
  repeated NodeProto node = 1; optional string name = 2; repeated TensorProto initializer = 5;
  repeated SparseTensorProto sparse_initializer = 15; optional string doc_string = 10;
  repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; repeated ValueInfoProto value_info = 13;
}
message TensorProto {
  repeated int64 dims = 1; optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true]; repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6; repeated int64 int64_data = 7 [packed = true];
  optional string name = 8; optional string doc_string = 12; optional bytes raw_data = 9;
  repeated StringStringEntryProto external_data = 13; optional int32 data_location = 14;
  repeated double double_data = 10 [packed = true]; repeated uint64 uint64_data = 11 [packed = true];
}
message SparseTensorProto { optional TensorProto values = 1; optional TensorProto indices = 2; repeated int64 dims = 3; }
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } optional string denotation = 3; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  message Sequence { optional TypeProto elem_type = 1; }
  message Map { optional int32 key_type = 1; optional TypeProto value_type = 2; }
  message Optional { optional TypeProto elem_type = 1; }
  message SparseTensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  oneof value {
    Tensor tensor_type = 1; Sequence sequence_type = 4; Map map_type = 5;
    Optional optional_type = 9; SparseTensor sparse_tensor_type = 8;
  }
  optional string denotation = 6;
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
message FunctionProto {
  optional string name = 1; repeated string input = 4; repeated string output = 5; repeated string attribute = 6;
  repeated NodeProto node = 7; repeated OperatorSetIdProto opset_import = 9; optional string domain = 10;
}
`;

const root = protobuf.parse(ONNX_PROTO, { keepCase: false }).root;
export const ModelProto = root.lookupType('onnx.ModelProto');

/** ONNX TensorProto.DataType values for the element types arbiter handles. */
export const ONNX_DTYPE = {
  float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, string: 8, bool: 9, float16: 10, float64: 11,
} as const;
export type OnnxDtypeName = keyof typeof ONNX_DTYPE;

const DTYPE_BY_CODE = new Map<number, OnnxDtypeName>(
  Object.entries(ONNX_DTYPE).map(([k, v]) => [v, k as OnnxDtypeName]),
);
export function dtypeName(code: number): string {
  return DTYPE_BY_CODE.get(code) ?? `onnx-type-${code}`;
}

// Plain shapes of the decoded messages (camelCase, int64 as number via toObject({longs: Number})).
export interface OnnxDim { dimValue?: number; dimParam?: string }
export interface OnnxValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: OnnxDim[] } } };
}
export interface OnnxAttribute {
  name?: string; type?: number; f?: number; i?: number; s?: Uint8Array; ints?: number[]; floats?: number[];
  t?: OnnxTensor; g?: OnnxGraph; graphs?: OnnxGraph[];
}
export interface OnnxNode { input?: string[]; output?: string[]; name?: string; opType?: string; domain?: string; attribute?: OnnxAttribute[] }
export interface OnnxTensor {
  name?: string; dims?: number[]; dataType?: number; rawData?: Uint8Array; floatData?: number[];
  int32Data?: number[]; int64Data?: number[]; doubleData?: number[]; uint64Data?: number[];
  stringData?: Uint8Array[];
  externalData?: Array<{ key?: string; value?: string }>; dataLocation?: number;
}
export interface OnnxGraph {
  node?: OnnxNode[]; name?: string; initializer?: OnnxTensor[]; input?: OnnxValueInfo[]; output?: OnnxValueInfo[];
  valueInfo?: OnnxValueInfo[]; sparseInitializer?: unknown[];
}
export interface OnnxModel {
  irVersion?: number; opsetImport?: Array<{ domain?: string; version?: number }>; producerName?: string;
  graph?: OnnxGraph; metadataProps?: Array<{ key?: string; value?: string }>; functions?: unknown[];
}

/** Decode model bytes. Throws (a protobufjs error) when the bytes are not a ModelProto. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const msg = ModelProto.decode(bytes);
  return ModelProto.toObject(msg, { longs: Number, bytes: Uint8Array, defaults: false, arrays: true }) as OnnxModel;
}

export function encodeModel(model: OnnxModel): Uint8Array {
  const err = ModelProto.verify(model);
  if (err) throw new Error(`invalid ONNX model object: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
