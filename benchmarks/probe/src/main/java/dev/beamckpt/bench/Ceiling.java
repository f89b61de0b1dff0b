package dev.beamckpt.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The ceiling this machine allows: one thread reads lines from the socket, splits them on spaces
 * and counts words in a HashMap. No checkpoint, no recovery, nothing else. {@code Ceiling <port>}
 */
public final class Ceiling {
  private Ceiling() {}

  public static void main(String[] args) throws Exception {
    WordCounter counter = new WordCounter(Probe.get());
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0]));
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1 << 16)) {
      String line;
      long lines = 0;
      while ((line = in.readLine()) != null) {
        counter.countLine(line);
        if ((++lines & 1023) == 0 || !in.ready()) {
          counter.publish();
        }
      }
      counter.publish();
    }
  }
}
