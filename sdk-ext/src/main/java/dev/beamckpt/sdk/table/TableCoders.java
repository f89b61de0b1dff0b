package dev.beamckpt.sdk.table;

import dev.beamckpt.sdk.table.StatefulResultTable.Batch;
import dev.beamckpt.sdk.table.StatefulResultTable.RowUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * Coders of the result table's rows and batches: every row crosses the shuffle into the table and
 * sits in its state, so they are written field by field, not with Java serialization.
 */
final class TableCoders {
  private TableCoders() {}

  static final class RowUpdateCoder extends CustomCoder<RowUpdate> {
    static final RowUpdateCoder INSTANCE = new RowUpdateCoder();
    private static final Coder<Long> MILLIS = NullableCoder.of(VarLongCoder.of());
    private static final Coder<byte[]> BYTES = ByteArrayCoder.of();

    @Override
    public void encode(RowUpdate row, OutputStream out) throws IOException {
      MILLIS.encode(row.windowStartMs(), out);
      MILLIS.encode(row.windowEndMs(), out);
      BYTES.encode(row.key(), out);
      BYTES.encode(row.value(), out);
      BooleanCoder.of().encode(row.finalPane(), out);
    }

    @Override
    public RowUpdate decode(InputStream in) throws IOException {
      return new RowUpdate(MILLIS.decode(in), MILLIS.decode(in), BYTES.decode(in), BYTES.decode(in),
          BooleanCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }

  static final class BatchCoder extends CustomCoder<Batch> {
    static final BatchCoder INSTANCE = new BatchCoder();
    private static final Coder<byte[]> ROWS = ByteArrayCoder.of();

    @Override
    public void encode(Batch batch, OutputStream out) throws IOException {
      VarLongCoder.of().encode(batch.seq(), out);
      VarLongCoder.of().encode(batch.createdAtMs(), out);
      VarIntCoder.of().encode(batch.rowCount(), out);
      ROWS.encode(batch.encodedRows(), out);
    }

    @Override
    public Batch decode(InputStream in) throws IOException {
      return new Batch(VarLongCoder.of().decode(in), VarLongCoder.of().decode(in), VarIntCoder.of().decode(in),
          ROWS.decode(in));
    }
  }
}
