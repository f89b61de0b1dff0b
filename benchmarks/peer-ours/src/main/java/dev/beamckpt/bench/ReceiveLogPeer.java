package dev.beamckpt.bench;

import dev.beamckpt.checkpoint.source.log.FileReceiveLog;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ceiling's loop with our receive log in front, as the socket source's receiver uses it: the
 * lines of each read are appended to a {@link FileReceiveLog} before they are counted, and the log
 * is forced to disk once a second (a batch's sync). Against the plain loop, the log's own cost.
 * {@code ReceiveLogPeer <port> <location>} (the log goes to its {@code sources/0})
 */
public final class ReceiveLogPeer {
  private ReceiveLogPeer() {}

  public static void main(String[] args) throws Exception {
    WordCounter counter = new WordCounter(Probe.get());
    List<String> read = new ArrayList<>();
    long lastSync = System.currentTimeMillis();
    try (FileReceiveLog log = FileReceiveLog.open(LocalStorage.at(Path.of(args[1])), "sources/0");
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0]));
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1 << 16)) {
      String line;
      while ((line = in.readLine()) != null) {
        read.add(line);
        if (read.size() == 1024 || !in.ready()) {
          long now = System.currentTimeMillis();
          log.append(read, now);
          read.forEach(counter::countLine);
          counter.publish();
          read.clear();
          if (now - lastSync >= 1000) {
            log.sync();
            lastSync = now;
          }
        }
      }
    }
  }
}
