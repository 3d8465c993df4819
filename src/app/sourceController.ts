import { html, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { DEFAULT_RESOLUTION, listCameras, openCamera, stopStream, type CameraDevice, type Resolution } from '../sources/camera';
import { checkPlayable, openFileSource } from '../sources/file';
import { DEFAULT_KINECT_BRIDGE_URL, openKinectDepthSource } from '../sources/kinect/depthSource';
import { kinectRecordingSource, looksLikeKinectRecording } from '../sources/kinect/recordingSource';
import type { DepthFrameSource } from '../types/kinect';
import type { CameraChoice } from './cameraPicker';
import './cameraPicker';
import type { ErrorList } from './notices';

/** While the camera is gone, how often the app tries to open it again (also on every devicechange), in ms. */
const CAMERA_RETRY_MS = 2_000;

/**
 * The app's input: the camera (opened on start; re-opened on its own after it is unplugged or
 * taken by another app, and once the camera permission is granted), a file or image sequence, an
 * Azure Kinect recording, or the Azure Kinect bridge (`?kinect=URL` connects on start). Renders
 * the Source panel; errors go to the app's ErrorList. Changes re-render the host.
 */
export class SourceController implements ReactiveController {
  /** The input stream (camera or file), or null. */
  input: MediaStream | null = null;
  /** The Azure Kinect (colour + depth, live or recorded), when it is the source; replaces `input`. */
  depthSource: DepthFrameSource | null = null;
  /** What the input comes from: 'camera', or the name of the chosen file(s) or device. */
  label = 'camera';
  /**
   * Set while the camera is gone (unplugged, or taken by another app): the device to reopen.
   * The app retries every CAMERA_RETRY_MS and on devicechange, and resumes on its own.
   */
  cameraLost: { deviceId: string } | null = null;

  private devices: readonly CameraDevice[] = [];
  private deviceId = '';
  private resolution: Resolution = DEFAULT_RESOLUTION;
  /** The Kinect bridge address typed in the Source panel (`?kinect=URL` presets it and connects). */
  private kinectUrl = new URLSearchParams(location.search).get('kinect') ?? DEFAULT_KINECT_BRIDGE_URL;
  private fileSource: { dispose(): void } | null = null;
  private reconnectTimer: ReturnType<typeof setInterval> | undefined;
  private reconnecting = false;
  /** The camera permission's status, watched so that granting it later starts the camera. */
  private permission: PermissionStatus | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly errors: ErrorList,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    navigator.mediaDevices?.addEventListener('devicechange', this.onDeviceChange);
    void this.watchPermission();
    if (new URLSearchParams(location.search).has('kinect')) void this.useKinect();
    else void this.startCamera({ deviceId: '', resolution: this.resolution });
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener('devicechange', this.onDeviceChange);
    clearInterval(this.reconnectTimer);
    this.permission?.removeEventListener('change', this.onPermissionChange);
    this.stopSource();
  }

  /**
   * The input track ended (the element's `ended` event). For a camera that means it was unplugged
   * or taken by another app: the app waits for it; a file source only ends on a decode error,
   * which its `done` promise reports.
   */
  onEnded(): void {
    const track = this.input?.getVideoTracks()[0];
    if (this.label !== 'camera' || track?.readyState !== 'ended' || this.cameraLost) return;
    this.cameraLost = { deviceId: this.deviceId };
    this.host.requestUpdate();
    clearInterval(this.reconnectTimer);
    this.reconnectTimer = setInterval(() => void this.reconnectCamera(), CAMERA_RETRY_MS);
    void this.reconnectCamera();
  }

  /** The Source panel: camera and resolution, a file, the Kinect bridge, and what is showing. */
  render(): TemplateResult {
    return html`
      <camera-picker
        .devices=${this.devices}
        .deviceId=${this.deviceId}
        .resolution=${this.resolution}
        @camera-change=${(e: CustomEvent<CameraChoice>) => void this.startCamera(e.detail)}
      ></camera-picker>
      <label>
        Or use a file
        <input
          data-testid="source-file"
          type="file"
          accept="video/*,image/*,.mkv"
          multiple
          title="A video, an image, several images (played in name order), or an Azure Kinect recording (.mkv from k4arecorder: colour and depth)"
          @change=${(e: Event) => void this.onSourceFile(e)}
        />
      </label>
      <label title="Colour and depth from an Azure Kinect, through the Kinect bridge (docs/kinect-bridge.md)">
        Or an Azure Kinect bridge
        <input data-testid="source-kinect-url" .value=${this.kinectUrl} @change=${(e: Event) => (this.kinectUrl = (e.target as HTMLInputElement).value.trim())} />
      </label>
      <button data-testid="source-kinect-connect" @click=${() => void this.useKinect()}>Connect</button>
      <small data-testid="source-label">Showing: ${this.label}</small>
    `;
  }

  private readonly onDeviceChange = (): void => {
    void this.refreshDevices();
    void this.reconnectCamera();
  };

  private readonly onPermissionChange = (): void => {
    if (this.permission?.state === 'granted' && !this.input && !this.depthSource) void this.startCamera({ deviceId: this.deviceId, resolution: this.resolution });
  };

  private async startCamera(choice: CameraChoice): Promise<void> {
    this.resolution = choice.resolution;
    this.host.requestUpdate();
    try {
      const stream = await openCamera({ deviceId: choice.deviceId || undefined, resolution: choice.resolution });
      this.useCamera(stream, choice.deviceId);
    } catch (err) {
      this.errors.show(err);
    }
    await this.refreshDevices();
  }

  private useCamera(stream: MediaStream, requestedId: string): void {
    this.useSource(stream, 'camera');
    this.deviceId = stream.getVideoTracks()[0]?.getSettings().deviceId ?? requestedId;
    this.errors.clear((e) => e.code.startsWith('camera-'));
  }

  /**
   * While the camera is gone: tries to open it again (the same device, else the default one).
   * Failures are expected until it returns and are not shown; the notice stays meanwhile.
   */
  private async reconnectCamera(): Promise<void> {
    const lost = this.cameraLost;
    if (!lost || this.reconnecting) return;
    this.reconnecting = true;
    try {
      for (const deviceId of lost.deviceId ? [lost.deviceId, ''] : ['']) {
        let stream: MediaStream;
        try {
          stream = await openCamera({ deviceId: deviceId || undefined, resolution: this.resolution });
        } catch {
          // Not back yet (or not this device): the next attempt may succeed.
          continue;
        }
        // The user chose another source meanwhile: release the camera again.
        if (this.cameraLost !== lost) {
          stopStream(stream);
          return;
        }
        this.useCamera(stream, deviceId);
        return;
      }
    } finally {
      this.reconnecting = false;
    }
  }

  /** Watches the camera permission (where the browser can), to start the camera once granted. */
  private async watchPermission(): Promise<void> {
    try {
      this.permission = await navigator.permissions.query({ name: 'camera' as PermissionName });
    } catch (err) {
      // Browsers without a queryable camera permission: the user retries from the camera list.
      console.info(`bg-app: the camera permission cannot be watched (${String(err)})`);
      return;
    }
    this.permission.addEventListener('change', this.onPermissionChange);
  }

  private async refreshDevices(): Promise<void> {
    try {
      this.devices = await listCameras();
      this.host.requestUpdate();
    } catch (err) {
      this.errors.show(err);
    }
  }

  /**
   * Switches to the chosen file(s). A video is checked first (metadata and a first frame),
   * so a file the browser cannot play leaves the current source running.
   */
  private async onSourceFile(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length === 0) return;
    try {
      const file = files[0]!;
      if (files.length === 1 && looksLikeKinectRecording(new Uint8Array(await file.slice(0, 64 * 1024).arrayBuffer()))) {
        // An Azure Kinect recording: colour and depth, played at its pace, looping.
        const source = kinectRecordingSource(new Uint8Array(await file.arrayBuffer()));
        this.useDepthSource(source, `${file.name} (Azure Kinect recording)`);
        return;
      }
      if (files.length === 1 && file.type.startsWith('video/')) await checkPlayable(file);
      const source = openFileSource(files, { loop: true });
      source.done.catch((err: unknown) => this.errors.show(err));
      this.useSource(source.stream, files.length === 1 ? file.name : `${files.length} images`);
      this.fileSource = source;
    } catch (err) {
      this.errors.show(err);
    }
  }

  /**
   * Switches to the Azure Kinect through the bridge at `kinectUrl`: colour and depth, the depth
   * used as the rough segmentation. A bridge that is not running leaves the current source
   * running and says how to start it.
   */
  private async useKinect(): Promise<void> {
    try {
      const source = await openKinectDepthSource(this.kinectUrl);
      this.useDepthSource(source, `Azure Kinect (${source.session.device.colorMode}, depth ${source.session.device.depthMode})`);
    } catch (err) {
      this.errors.show(err);
    }
  }

  /** Switches the input to a source of colour frames with depth, stopping the previous one. */
  private useDepthSource(source: DepthFrameSource, label: string): void {
    this.stopSource();
    this.depthSource = source;
    this.label = label;
  }

  /** Switches the input to `stream`, stopping the previous camera, file or Kinect. */
  private useSource(stream: MediaStream, label: string): void {
    this.stopSource();
    this.input = stream;
    this.label = label;
  }

  /** Stops the current source and the wait for a lost camera. */
  private stopSource(): void {
    this.cameraLost = null;
    clearInterval(this.reconnectTimer);
    this.depthSource?.close();
    this.depthSource = null;
    this.fileSource?.dispose();
    this.fileSource = null;
    if (this.input) stopStream(this.input);
    this.input = null;
    this.host.requestUpdate();
  }
}
