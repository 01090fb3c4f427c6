"""Exporting a trained model for other runtimes: ONNX for onnxruntime and sherpa-onnx."""
