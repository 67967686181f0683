package dev.sluice.gateway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** A fresh database for one test, reopenable like a restarted gateway, dropped on close. */
final class TestDb implements AutoCloseable {

    final StorageSettings settings;
    private Database db;

    TestDb(StorageSettings settings) {
        this.settings = settings;
        this.db = Backend.openOrFail(settings);
    }

    Database db() {
        return db;
    }

    /** Closes the pool and opens the same database again, as a restart would. */
    Database reopen() {
        db.close();
        db = Backend.openOrFail(settings);
        return db;
    }

    /** Every value of every row of {@code table}, as strings, for scanning. */
    List<String> allValues(String table) {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT * FROM " + table);
             ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData md = rs.getMetaData();
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                for (int i = 1; i <= md.getColumnCount(); i++) out.add(String.valueOf(rs.getObject(i)));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    long count(String table) {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        db.close();
        if (settings.kind() == StorageSettings.Kind.POSTGRES) Backend.dropSchema(settings.schema());
    }
}
