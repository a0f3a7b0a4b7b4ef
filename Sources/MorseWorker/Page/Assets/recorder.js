// The microphone's samples for the page's "From sound" panel, served as /static/recorder.js and loaded by
// listen.js as an AudioWorklet: it copies the first channel of its input in blocks of 4096 samples to the page
// and outputs silence. It does no decoding; the worker does (POST /api/v1/decode/audio).
class MorseRecorder extends AudioWorkletProcessor {
  constructor() {
    super();
    this.block = new Float32Array(4096);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    let offset = 0;
    while (offset < channel.length) {
      const count = Math.min(channel.length - offset, this.block.length - this.filled);
      this.block.set(channel.subarray(offset, offset + count), this.filled);
      this.filled += count;
      offset += count;
      if (this.filled === this.block.length) {
        this.port.postMessage(this.block.slice(0));
        this.filled = 0;
      }
    }
    return true;
  }
}
registerProcessor('morse-recorder', MorseRecorder);
