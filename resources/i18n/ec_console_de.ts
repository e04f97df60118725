<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../../ec_console/ui/about.py" line="37"/>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/about.py" line="38"/>
        <source>Keychain</source>
        <translation>Schlüsselbund</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/about.py" line="39"/>
        <source>Data folder</source>
        <translation>Datenordner</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/about.py" line="40"/>
        <source>Log folder</source>
        <translation>Protokollordner</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/about.py" line="41"/>
        <source>Settings folder</source>
        <translation>Einstellungsordner</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/about.py" line="45"/>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/about.py" line="54"/>
        <location filename="../../ec_console/ui/about.py" line="55"/>
        <source>About %s</source>
        <translation>Über %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/about.py" line="61"/>
        <source>Application icon</source>
        <translation>Anwendungssymbol</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/about.py" line="65"/>
        <source>Grants one application access to the calendars of your whole organisation through a single service account — Exchange, Office 365 or Google Workspace — and keeps central control over which calendars it can reach.</source>
        <translation>Gewährt einer Anwendung über ein einziges Dienstkonto Zugriff auf die Kalender Ihrer gesamten Organisation – Exchange, Office 365 oder Google Workspace – und behält zentral im Griff, welche Kalender sie erreichen kann.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/about.py" line="77"/>
        <source>Version and folders</source>
        <translation>Version und Ordner</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/about.py" line="92"/>
        <source>&amp;Copy details</source>
        <translation>Details &amp;kopieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/about.py" line="95"/>
        <source>Open &amp;log folder</source>
        <translation>&amp;Protokollordner öffnen</translation>
    </message>
</context>
<context>
    <name>ApplicationActions</name>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="46"/>
        <source>Select an application first.</source>
        <translation>Wählen Sie zuerst eine Anwendung aus.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="77"/>
        <source>&amp;Edit application…</source>
        <translation>A&amp;nwendung bearbeiten…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="79"/>
        <source>Rename the selected application, rotate its secret, change its scope group or run its setup check again</source>
        <translation>Die ausgewählte Anwendung umbenennen, ihr Geheimnis ersetzen, ihre Bereichsgruppe ändern oder ihre Einrichtungsprüfung erneut ausführen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="82"/>
        <source>Re&amp;move application…</source>
        <translation>Anwendung entfe&amp;rnen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="84"/>
        <source>Remove a revoked application and its history, after exporting it</source>
        <translation>Eine widerrufene Anwendung und ihren Verlauf entfernen, nachdem sie exportiert wurden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="86"/>
        <source>Import &amp;credential…</source>
        <translation>Anmeldeinformationen &amp;importieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="88"/>
        <source>Put the selected application&apos;s password, key or certificate into this desktop&apos;s keychain, after checking it</source>
        <translation>Das Kennwort, den Schlüssel oder das Zertifikat der ausgewählten Anwendung prüfen und in den Schlüsselbund dieses Computers übernehmen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="92"/>
        <source>Mo&amp;ve to Microsoft Graph…</source>
        <translation>Zu Microsoft &amp;Graph verschieben…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="94"/>
        <source>Move an Exchange Online EWS application to Microsoft Graph before EWS is switched off on 1 April 2027; its profiles and history are kept</source>
        <translation>Eine Exchange Online-EWS-Anwendung zu Microsoft Graph verschieben, bevor EWS am 1. April 2027 abgeschaltet wird; ihre Profile und ihr Verlauf bleiben erhalten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="110"/>
        <source>%s is revoked: add it again to use it.</source>
        <translation>%s ist widerrufen: Fügen Sie die Anwendung erneut hinzu, um sie zu verwenden.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="114"/>
        <source>Only a revoked application can be removed: revoke %s first.</source>
        <translation>Nur eine widerrufene Anwendung kann entfernt werden: Widerrufen Sie zuerst %s.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="120"/>
        <source>%s already uses Microsoft Graph.</source>
        <translation>%s verwendet bereits Microsoft Graph.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="123"/>
        <source>%s is revoked.</source>
        <translation>%s ist widerrufen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="128"/>
        <source>Only an Exchange Online EWS application moves to Microsoft Graph.</source>
        <translation>Nur eine Exchange Online-EWS-Anwendung kann zu Microsoft Graph verschoben werden.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="134"/>
        <source>%s is revoked: its credential cannot be imported.</source>
        <translation>%s ist widerrufen; ihre Anmeldeinformationen können nicht importiert werden.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="154"/>
        <source>Edit &amp;settings (setup wizard)…</source>
        <translation>Ein&amp;stellungen bearbeiten (Einrichtungsassistent)…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/application_actions.py" line="225"/>
        <source>Removed %(name)s; its history is in %(file)s</source>
        <translation>%(name)s entfernt; der Verlauf steht in %(file)s</translation>
    </message>
</context>
<context>
    <name>AuditLogDialog</name>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="98"/>
        <source> — no entry was changed, deleted or reordered since it was written</source>
        <translation> – seit dem Schreiben wurde kein Eintrag geändert, gelöscht oder umsortiert</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="181"/>
        <source>Audit log</source>
        <translation>Überwachungsprotokoll</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="182"/>
        <source>Audit log — %s</source>
        <translation>Überwachungsprotokoll – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="193"/>
        <source>Filter the audit log</source>
        <translation>Überwachungsprotokoll filtern</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="194"/>
        <source>Filter: words in any column (user, action, address …)</source>
        <translation>Filter: Wörter in beliebiger Spalte (Benutzer, Aktion, Adresse …)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="197"/>
        <source>&amp;Filter:</source>
        <translation>&amp;Filter:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="206"/>
        <source>Fro&amp;m:</source>
        <translation>&amp;Von:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="208"/>
        <source>Only entries on or after this day</source>
        <translation>Nur Einträge ab diesem Tag</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="209"/>
        <source>&amp;To:</source>
        <translation>&amp;Bis:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="210"/>
        <source>Only entries on or before this day</source>
        <translation>Nur Einträge bis einschließlich diesem Tag</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="215"/>
        <source>Audit entries</source>
        <translation>Protokolleinträge</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="233"/>
        <source>Details of the selected entry</source>
        <translation>Details des ausgewählten Eintrags</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="256"/>
        <source>Audit log status</source>
        <translation>Status des Überwachungsprotokolls</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="258"/>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="265"/>
        <source>Warning</source>
        <translation>Warnung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="273"/>
        <source>Audit chain verification</source>
        <translation>Prüfung der Protokollkette</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="277"/>
        <source>&amp;Export CSV…</source>
        <translation>CSV &amp;exportieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="279"/>
        <source>Save the entries that match the filter and the dates as a CSV file</source>
        <translation>Die Einträge, die dem Filter und den Daten entsprechen, als CSV-Datei speichern</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="282"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="348"/>
        <source>The “From” day is after the “To” day: no entry can match. Pick a “From” day on or before %s.</source>
        <translation>Der Tag bei „Von“ liegt nach dem Tag bei „Bis“: Kein Eintrag kann passen. Wählen Sie bei „Von“ einen Tag bis einschließlich %s.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="360"/>
        <source>Reading the audit log…</source>
        <translation>Überwachungsprotokoll wird gelesen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="374"/>
        <source>Checking that no audit entry was changed, deleted or reordered…</source>
        <translation>Es wird geprüft, dass kein Protokolleintrag geändert, gelöscht oder umsortiert wurde…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="383"/>
        <source>Head of the chain: %s. Note it with the count to detect later a deletion of the newest entries (ec-console audit verify --known-head).</source>
        <translation>Kopf der Kette: %s. Notieren Sie ihn zusammen mit der Anzahl, um später ein Löschen der neuesten Einträge zu erkennen (ec-console audit verify --known-head).</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="390"/>
        <source>The audit chain could not be checked: %s</source>
        <translation>Die Protokollkette konnte nicht geprüft werden: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="405"/>
        <source>Showing the newest %(shown)s of %(n)s; narrow the filter or dates, or export them all</source>
        <translation>Die neuesten %(shown)s von %(n)s werden angezeigt. Schränken Sie Filter oder Daten ein, oder exportieren Sie alle</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="407"/>
        <location filename="../../ec_console/ui/audit_view.py" line="410"/>
        <location filename="../../ec_console/ui/audit_view.py" line="448"/>
        <source>entry</source>
        <translation>Eintrag</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="408"/>
        <location filename="../../ec_console/ui/audit_view.py" line="410"/>
        <location filename="../../ec_console/ui/audit_view.py" line="448"/>
        <source>entries</source>
        <translation>Einträge</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="416"/>
        <source>&lt;i&gt;Select an entry to see all of it here.&lt;/i&gt;</source>
        <translation>&lt;i&gt;Wählen Sie einen Eintrag aus, um ihn hier vollständig zu sehen.&lt;/i&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="422"/>
        <source>Export the audit log</source>
        <translation>Überwachungsprotokoll exportieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="423"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="437"/>
        <source>%s cannot be written: %s</source>
        <translation>%s kann nicht geschrieben werden: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="447"/>
        <source>Exported %(n)s to %(path)s</source>
        <translation>%(n)s nach %(path)s exportiert</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="453"/>
        <source>Nothing was exported: %s</source>
        <translation>Es wurde nichts exportiert: %s</translation>
    </message>
</context>
<context>
    <name>AuditModel</name>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="66"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="66"/>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="67"/>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="67"/>
        <source>Subject</source>
        <translation>Objekt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="68"/>
        <source>Detail</source>
        <translation>Detail</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/audit_view.py" line="168"/>
        <source>%(label)s (recorded as %(code)s)</source>
        <translation>%(label)s (gespeichert als %(code)s)</translation>
    </message>
</context>
<context>
    <name>CertificateBox</name>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="539"/>
        <source>C&amp;reate a certificate…</source>
        <translation>Zertifikat e&amp;rstellen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="541"/>
        <source>Create a certificate</source>
        <translation>Zertifikat erstellen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="542"/>
        <source>Makes a private key and a self-signed certificate, valid one year: the key stays on this computer, the public .cer goes to the app registration</source>
        <translation>Erstellt einen privaten Schlüssel und ein selbstsigniertes Zertifikat, ein Jahr gültig: Der Schlüssel bleibt auf diesem Computer, die öffentliche .cer-Datei kommt in die App-Registrierung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="576"/>
        <source>Creating the key and the certificate…</source>
        <translation>Schlüssel und Zertifikat werden erstellt…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="589"/>
        <source> In the sandbox it is uploaded for you.</source>
        <translation> In der Sandbox wird es für Sie hochgeladen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="591"/>
        <source>&lt;b&gt;Created.&lt;/b&gt; The private key is in %(key)s, readable by you only. Upload the public certificate below to the app registration: Microsoft Entra admin center › App registrations › your app › Certificates &amp;amp; secrets › Certificates › Upload certificate.%(sandbox)s&lt;br&gt;SHA-256 thumbprint: %(sha256)s&lt;br&gt;SHA-1 thumbprint (as the admin center lists it): %(sha1)s&lt;br&gt;Valid until %(until)s. A self-signed certificate gets you started; for production Microsoft advises one from a certificate authority.</source>
        <translation>&lt;b&gt;Erstellt.&lt;/b&gt; Der private Schlüssel liegt in %(key)s und ist nur für Sie lesbar. Laden Sie das öffentliche Zertifikat unten in die App-Registrierung hoch: „Microsoft Entra admin center › App registrations › your app › Certificates &amp;amp; secrets › Certificates › Upload certificate“.%(sandbox)s&lt;br&gt;SHA-256-Fingerabdruck: %(sha256)s&lt;br&gt;SHA-1-Fingerabdruck (wie das Admin Center ihn anzeigt): %(sha1)s&lt;br&gt;Gültig bis %(until)s. Für den Anfang genügt ein selbstsigniertes Zertifikat; für den Produktivbetrieb empfiehlt Microsoft eines von einer Zertifizierungsstelle.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="602"/>
        <source>Certificate to upload</source>
        <translation>Hochzuladendes Zertifikat</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="609"/>
        <source>No certificate was created: %s</source>
        <translation>Es wurde kein Zertifikat erstellt: %s</translation>
    </message>
</context>
<context>
    <name>CheckAllDialog</name>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="118"/>
        <source>Check all</source>
        <translation>Alle prüfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="119"/>
        <source>Check all linked calendars</source>
        <translation>Alle verknüpften Kalender prüfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="121"/>
        <source>Probe the %(n)s linked and needs-relink calendars of %(region)s again and update their status. A probe the platform answers with “busy” or not at all leaves the status as it is.</source>
        <translation>Die %(n)s verknüpften und erneut zu verknüpfenden Kalender in %(region)s erneut prüfen und ihren Status aktualisieren. Antwortet die Plattform auf eine Prüfung mit „ausgelastet“ oder gar nicht, bleibt der Status unverändert.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="131"/>
        <source>Probes at once per application</source>
        <translation>Gleichzeitige Prüfungen je Anwendung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="135"/>
        <source>Exchange allows 27 concurrent EWS connections per service account, shared with the production application: keep this low (default %d, at most %d).</source>
        <translation>Exchange erlaubt 27 gleichzeitige EWS-Verbindungen je Dienstkonto, die sich die Konsole mit der Produktivanwendung teilt: Halten Sie diesen Wert niedrig (Standard %d, höchstens %d).</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="141"/>
        <source>&amp;Probes at once per application:</source>
        <translation>&amp;Gleichzeitige Prüfungen je Anwendung:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="145"/>
        <source>&amp;Start</source>
        <translation>&amp;Starten</translation>
    </message>
</context>
<context>
    <name>CheckView</name>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="91"/>
        <source>Connectivity check</source>
        <translation>Verbindungsprüfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="119"/>
        <source>Application</source>
        <translation>Anwendung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="123"/>
        <source>Platform</source>
        <translation>Plattform</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="129"/>
        <location filename="../../ec_console/ui/check_view.py" line="328"/>
        <location filename="../../ec_console/ui/check_view.py" line="411"/>
        <source>Mailbox</source>
        <translation>Postfach</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="130"/>
        <source>the mailbox or user to check, e.g. alice@contoso.com</source>
        <translation>das zu prüfende Postfach oder der Benutzer, z. B. alice@contoso.com</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="135"/>
        <location filename="../../ec_console/ui/check_view.py" line="333"/>
        <source>Mailbox that must be denied</source>
        <translation>Postfach, dem der Zugriff verweigert werden muss</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="136"/>
        <source>optional: prove this mailbox is outside the scope</source>
        <translation>optional: nachweisen, dass dieses Postfach außerhalb des Bereichs liegt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="138"/>
        <source>Also test &amp;writing (Exchange)</source>
        <translation>Auch &amp;Schreiben testen (Exchange)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="140"/>
        <source>Also test writing</source>
        <translation>Auch Schreiben testen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="142"/>
        <source>Creates one test item in the mailbox&apos;s calendar (no attendees, so no invitation is sent) and deletes it again, proving the application may write. Off: the check only reads busy times.</source>
        <translation>Erstellt ein Testelement im Kalender des Postfachs (ohne Teilnehmer, es wird also keine Einladung gesendet) und löscht es wieder. So wird nachgewiesen, dass die Anwendung schreiben darf. Aus: Die Prüfung liest nur belegte Zeiten.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="151"/>
        <source>&amp;Application:</source>
        <translation>&amp;Anwendung:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="154"/>
        <source>&amp;Platform:</source>
        <translation>&amp;Plattform:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="158"/>
        <source>&amp;Mailbox:</source>
        <translation>P&amp;ostfach:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="160"/>
        <source>Must be &amp;denied:</source>
        <translation>Muss &amp;verweigert werden:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="167"/>
        <source>&amp;Run check</source>
        <translation>P&amp;rüfung ausführen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="169"/>
        <source>Run check</source>
        <translation>Prüfung ausführen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="172"/>
        <source>S&amp;top</source>
        <translation>Anhal&amp;ten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="174"/>
        <source>Stop the check</source>
        <translation>Prüfung anhalten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="184"/>
        <source>Result for</source>
        <translation>Ergebnis für</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="192"/>
        <source>The result is out of date</source>
        <translation>Das Ergebnis ist veraltet</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="201"/>
        <source>&amp;Copy as text</source>
        <translation>Als Text &amp;kopieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="205"/>
        <source>Export &amp;HTML…</source>
        <translation>&amp;HTML exportieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="205"/>
        <source>Export PD&amp;F…</source>
        <translation>PD&amp;F exportieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="206"/>
        <source>Export &amp;JSON…</source>
        <translation>&amp;JSON exportieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="224"/>
        <source>&amp;Import credential…</source>
        <translation>Anmeldeinformationen &amp;importieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="234"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="257"/>
        <source>The applications could not be read: %s</source>
        <translation>Die Anwendungen konnten nicht gelesen werden: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="263"/>
        <source>Enter details…</source>
        <translation>Angaben eingeben…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="267"/>
        <source>Test connectivity — %s</source>
        <translation>Verbindung testen – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="308"/>
        <source>A check is still running: stop it, then test %s again.</source>
        <translation>Eine Prüfung läuft noch: Halten Sie sie an und testen Sie %s dann erneut.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="312"/>
        <source>The application of %s is no longer active in this region: it cannot be checked.</source>
        <translation>Die Anwendung von %s ist in dieser Region nicht mehr aktiv und kann nicht geprüft werden.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="342"/>
        <source>Pick an application, or Enter details…</source>
        <translation>Wählen Sie eine Anwendung oder „Angaben eingeben…“.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="385"/>
        <source>This result is for %s with the previous settings; run the check again to use the new ones.</source>
        <translation>Dieses Ergebnis gilt für %s mit den vorherigen Einstellungen. Führen Sie die Prüfung erneut aus, um die neuen zu verwenden.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="388"/>
        <source>This result is for %s; run the check again for %s.</source>
        <translation>Dieses Ergebnis gilt für %s. Führen Sie die Prüfung für %s erneut aus.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="390"/>
        <source>This result is for %s; run the check again for the mailbox you enter.</source>
        <translation>Dieses Ergebnis gilt für %s. Führen Sie die Prüfung für das eingegebene Postfach erneut aus.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="420"/>
        <source>Enter the secret for the ad hoc check</source>
        <translation>Geben Sie das Geheimnis für die Ad-hoc-Prüfung ein</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="424"/>
        <source>Pick an application</source>
        <translation>Wählen Sie eine Anwendung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="435"/>
        <location filename="../../ec_console/ui/operations.py" line="577"/>
        <source>This desktop&apos;s keychain holds no secret for %s: %s</source>
        <translation>Der Schlüsselbund dieses Computers enthält kein Geheimnis für %s: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="473"/>
        <source>Checking %s…</source>
        <translation>%s wird geprüft…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="518"/>
        <source>Passed</source>
        <translation>Bestanden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="518"/>
        <source>Passed with warnings</source>
        <translation>Bestanden mit Warnungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="519"/>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="525"/>
        <source>%s · checked %s</source>
        <translation>%s · geprüft %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="534"/>
        <source>The check could not run: %s</source>
        <translation>Die Prüfung konnte nicht ausgeführt werden: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="559"/>
        <source>The credential is in this desktop&apos;s keychain: run the check again.</source>
        <translation>Die Anmeldeinformationen sind im Schlüsselbund dieses Computers: Führen Sie die Prüfung erneut aus.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="564"/>
        <source>The check was stopped.</source>
        <translation>Die Prüfung wurde angehalten.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="595"/>
        <source>Run a check first</source>
        <translation>Führen Sie zuerst eine Prüfung aus</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="601"/>
        <source>HTML page (*.html)</source>
        <translation>HTML-Seite (*.html)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="601"/>
        <source>PDF document (*.pdf)</source>
        <translation>PDF-Dokument (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="602"/>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="604"/>
        <source>Export the result</source>
        <translation>Ergebnis exportieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="617"/>
        <source>Saved to %s</source>
        <translation>Gespeichert unter %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_view.py" line="623"/>
        <source>The file could not be written: %s</source>
        <translation>Die Datei konnte nicht geschrieben werden: %s</translation>
    </message>
</context>
<context>
    <name>ConfirmRevokeDialog</name>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="344"/>
        <source>Revoke leavers — %s</source>
        <translation>Abgänge widerrufen – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="346"/>
        <source>profile</source>
        <translation>Profil</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="346"/>
        <source>profiles</source>
        <translation>Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="347"/>
        <source>account that left</source>
        <translation>Konto</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="347"/>
        <source>accounts that left</source>
        <translation>Konten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="349"/>
        <source>Revoke the profile of %(whose)s the scope of &lt;b&gt;%(app)s&lt;/b&gt;? The console stops using it. This does not change the platform: do the step shown for each account there too.</source>
        <translation>Das Profil von %(whose)s widerrufen, das den Bereich von &lt;b&gt;%(app)s&lt;/b&gt; verlassen hat? Die Konsole verwendet es dann nicht mehr. Auf der Plattform ändert sich dadurch nichts: Führen Sie dort auch den für jedes Konto angezeigten Schritt aus.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="353"/>
        <source>Revoke the profiles of %(whose)s the scope of &lt;b&gt;%(app)s&lt;/b&gt;? The console stops using them. This does not change the platform: do the step shown for each account there too.</source>
        <translation>Die Profile von %(whose)s widerrufen, die den Bereich von &lt;b&gt;%(app)s&lt;/b&gt; verlassen haben? Die Konsole verwendet sie dann nicht mehr. Auf der Plattform ändert sich dadurch nichts: Führen Sie dort auch den für jedes Konto angezeigten Schritt aus.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="361"/>
        <source>Accounts and their platform steps</source>
        <translation>Konten und ihre Schritte auf der Plattform</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="365"/>
        <source>Type the application&apos;s name, &lt;b&gt;%s&lt;/b&gt;, to &amp;confirm:</source>
        <translation>Geben Sie zur &amp;Bestätigung den Namen der Anwendung ein, &lt;b&gt;%s&lt;/b&gt;:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="369"/>
        <source>Application name, to confirm</source>
        <translation>Name der Anwendung zur Bestätigung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="371"/>
        <source>Re&amp;voke %s</source>
        <translation>%s &amp;widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="376"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
</context>
<context>
    <name>ConnectionPage</name>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="486"/>
        <source>%s: connection details</source>
        <translation>%s: Verbindungsdetails</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="487"/>
        <source>Each value is checked as you type. Secrets go to the keychain only when you finish.</source>
        <translation>Jeder Wert wird schon bei der Eingabe geprüft. Geheimnisse kommen erst beim Abschließen in den Schlüsselbund.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="494"/>
        <source>&lt;b&gt;Legacy.&lt;/b&gt; %s</source>
        <translation>&lt;b&gt;Veraltet.&lt;/b&gt; %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="504"/>
        <source>Moving %s from EWS to Microsoft Graph: what it already knows is filled in. Give the Graph app registration&apos;s client ID and its certificate or client secret.</source>
        <translation>%s wird von EWS zu Microsoft Graph verschoben: Was schon bekannt ist, ist ausgefüllt. Geben Sie die Client-ID der Graph-App-Registrierung und ihr Zertifikat oder ihren geheimen Clientschlüssel an.</translation>
    </message>
</context>
<context>
    <name>ConnectionStatus</name>
    <message>
        <location filename="../../ec_console/ui/live_updates.py" line="74"/>
        <source>Registry connection</source>
        <translation>Verbindung zum Register</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/live_updates.py" line="108"/>
        <source>The shared registry cannot be reached: %s. The console reconnects by itself and then shows what changed meanwhile.</source>
        <translation>Das gemeinsame Register ist nicht erreichbar: %s. Die Konsole verbindet sich von selbst wieder und zeigt dann, was sich inzwischen geändert hat.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/live_updates.py" line="110"/>
        <source>Registry connection lost — reconnecting…</source>
        <translation>Verbindung zum Register unterbrochen — wird wiederhergestellt…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/live_updates.py" line="112"/>
        <source>Registry connection restored</source>
        <translation>Verbindung zum Register wiederhergestellt</translation>
    </message>
</context>
<context>
    <name>CopyRow</name>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="111"/>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="112"/>
        <source>Copy %s</source>
        <translation>%s kopieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="116"/>
        <source>Copy to the clipboard</source>
        <translation>In die Zwischenablage kopieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="126"/>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
</context>
<context>
    <name>DelayedProgress</name>
    <message>
        <location filename="../../ec_console/ui/tasks.py" line="365"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/tasks.py" line="367"/>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/tasks.py" line="368"/>
        <source>Working…</source>
        <translation>Wird ausgeführt…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/tasks.py" line="381"/>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
</context>
<context>
    <name>EditApplicationDialog</name>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="113"/>
        <source>Edit application</source>
        <translation>Anwendung bearbeiten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="147"/>
        <source>Edit %s</source>
        <translation>%s bearbeiten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="152"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="164"/>
        <source>Edit application — %s</source>
        <translation>Anwendung bearbeiten – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="166"/>
        <source>&lt;p&gt;&lt;b&gt;%(name)s&lt;/b&gt; · %(platform)s · %(domain)s. Each change below is saved on its own and recorded in the audit log. To change the connection settings themselves (server, service account, test mailbox), open the setup wizard: double-click the application.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;%(name)s&lt;/b&gt; · %(platform)s · %(domain)s. Jede Änderung unten wird einzeln gespeichert und im Überwachungsprotokoll festgehalten. Um die Verbindungseinstellungen selbst zu ändern (Server, Dienstkonto, Testpostfach), öffnen Sie den Einrichtungsassistenten: Doppelklicken Sie auf die Anwendung.&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="186"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="189"/>
        <source>New name</source>
        <translation>Neuer Name</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="193"/>
        <source>&amp;Rename</source>
        <translation>&amp;Umbenennen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="196"/>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="197"/>
        <source>Unique in this region. The secret in the keychain moves to the new name.</source>
        <translation>Eindeutig in dieser Region. Das Geheimnis im Schlüsselbund wird unter dem neuen Namen abgelegt.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="209"/>
        <location filename="../../ec_console/ui/edit_application.py" line="213"/>
        <source>Scope group</source>
        <translation>Bereichsgruppe</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="225"/>
        <source>Domain-wide delegation covers the whole Google Workspace domain and cannot be limited to a group: the console&apos;s list of profiles is the control. Only a Marketplace install is limited to groups or organisational units.</source>
        <translation>Die domainweite Delegierung gilt für die gesamte Google Workspace-Domain und lässt sich nicht auf eine Gruppe beschränken: Die Profilliste der Konsole ist die Kontrolle. Nur eine Marketplace-Installation lässt sich auf Gruppen oder Organisationseinheiten beschränken.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="229"/>
        <source>name or address, e.g. EC Calendar Scope</source>
        <translation>Name oder Adresse, z. B. EC Calendar Scope</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="231"/>
        <source>e.g. /Sales or sales@example.com</source>
        <translation>z. B. /Sales oder sales@example.com</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="232"/>
        <source>&amp;Group:</source>
        <translation>G&amp;ruppe:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="234"/>
        <source>What the console records (and names in fixes). Change the scope at the platform too, then run the setup check again to prove the new scope holds.</source>
        <translation>Was die Konsole festhält (und in Lösungen nennt). Ändern Sie den Bereich auch auf der Plattform, und führen Sie dann die Einrichtungsprüfung erneut aus, um zu belegen, dass der neue Bereich greift.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="243"/>
        <source>Rotate the %s</source>
        <translation>Geheimnis ersetzen (%s)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="247"/>
        <source>&amp;Check and replace</source>
        <translation>&amp;Prüfen und ersetzen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="250"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="252"/>
        <source>Cancel the check of the new secret</source>
        <translation>Prüfung des neuen Geheimnisses abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="255"/>
        <source>New key file</source>
        <translation>Neue Schlüsseldatei</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="256"/>
        <source>the new JSON key file</source>
        <translation>die neue JSON-Schlüsseldatei</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="257"/>
        <source>&amp;Browse…</source>
        <translation>&amp;Durchsuchen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="260"/>
        <source>New &amp;key file:</source>
        <translation>Neue &amp;Schlüsseldatei:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="264"/>
        <source>New %s</source>
        <translation>Neues Geheimnis (%s)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="265"/>
        <source>type the new %s</source>
        <translation>neues Geheimnis eingeben (%s)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="266"/>
        <source>New &amp;%s:</source>
        <translation>Neues &amp;Geheimnis (%s):</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="272"/>
        <source>The new %(what)s is checked first: the setup check runs with it against %(target)s. The old one is replaced only when the check passes; it stays when the check fails.</source>
        <translation>Das neue Geheimnis (%(what)s) wird zuerst geprüft: Die Einrichtungsprüfung läuft damit gegen %(target)s. Das bisherige wird nur ersetzt, wenn die Prüfung erfolgreich ist; schlägt sie fehl, bleibt es erhalten.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="274"/>
        <source>the test mailbox</source>
        <translation>das Testpostfach</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="277"/>
        <source>Check of the new secret</source>
        <translation>Prüfung des neuen Geheimnisses</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="214"/>
        <source>Sa&amp;ve group</source>
        <translation>Gruppe spei&amp;chern</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="47"/>
        <source>password</source>
        <translation>Kennwort</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="48"/>
        <source>client secret</source>
        <translation>geheimer Clientschlüssel</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="49"/>
        <source>service-account key</source>
        <translation>Dienstkontoschlüssel</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="50"/>
        <source>certificate passphrase</source>
        <translation>Zertifikatkennwort</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="281"/>
        <source>Replace an&amp;yway</source>
        <translation>&amp;Trotzdem ersetzen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="283"/>
        <source>Replace the old secret although the check warned; the audit log records that you accepted the warning</source>
        <translation>Das bisherige Geheimnis trotz der Warnung der Prüfung ersetzen; das Überwachungsprotokoll hält fest, dass Sie die Warnung akzeptiert haben</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="298"/>
        <source>Setup check</source>
        <translation>Einrichtungsprüfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="299"/>
        <source>Run the setup check &amp;again</source>
        <translation>Einrichtungsprüfung &amp;erneut ausführen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="303"/>
        <source>With the stored %s, against the test mailbox; the result sets the application&apos;s health.</source>
        <translation>Mit dem gespeicherten Geheimnis (%s) gegen das Testpostfach; das Ergebnis bestimmt den Zustand der Anwendung.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="311"/>
        <source>Setup check result</source>
        <translation>Ergebnis der Einrichtungsprüfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="349"/>
        <source>Renaming…</source>
        <translation>Wird umbenannt…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="359"/>
        <source>Renamed from %(old)s to %(new)s.</source>
        <translation>Von %(old)s in %(new)s umbenannt.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="365"/>
        <source>Not renamed: %s</source>
        <translation>Nicht umbenannt: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="373"/>
        <source>Saving…</source>
        <translation>Wird gespeichert…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="383"/>
        <source>Saved: the application is now recorded as scoped to %s. Run the setup check again once the platform&apos;s scope is changed.</source>
        <translation>Gespeichert: Für die Anwendung ist jetzt der Bereich %s festgehalten. Führen Sie die Einrichtungsprüfung erneut aus, sobald der Bereich auf der Plattform geändert ist.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="390"/>
        <source>Not saved: %s</source>
        <translation>Nicht gespeichert: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="395"/>
        <source>New service-account key file</source>
        <translation>Neue Dienstkonto-Schlüsseldatei</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="397"/>
        <source>JSON files (*.json);;All files (*)</source>
        <translation>JSON-Dateien (*.json);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="405"/>
        <source>The result below is for the %s checked before.</source>
        <translation>Das Ergebnis unten gilt für das zuvor geprüfte Geheimnis (%s).</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="415"/>
        <source>Checking the new %s…</source>
        <translation>Das neue Geheimnis (%s) wird geprüft…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="442"/>
        <source>The check passed with a warning (below). The old %s is still in use: press Replace anyway to use the new one.</source>
        <translation>Die Prüfung war erfolgreich, mit einer Warnung (unten). Das bisherige Geheimnis (%s) wird weiter verwendet: Klicken Sie auf „Trotzdem ersetzen“, um das neue zu verwenden.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="447"/>
        <source>The check with the new %(what)s failed:%(why)s The old %(what)s stays in the keychain.</source>
        <translation>Die Prüfung mit dem neuen Geheimnis (%(what)s) ist fehlgeschlagen:%(why)s Das bisherige Geheimnis (%(what)s) bleibt im Schlüsselbund.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="455"/>
        <source>Replacing the %s in the keychain…</source>
        <translation>Das Geheimnis (%s) im Schlüsselbund wird ersetzt…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="468"/>
        <source>The new %s is in the keychain; the old one is replaced.</source>
        <translation>Das neue Geheimnis (%s) ist im Schlüsselbund; das bisherige ist ersetzt.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="474"/>
        <source>Not replaced: %s</source>
        <translation>Nicht ersetzt: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="479"/>
        <source>Not checked: %s</source>
        <translation>Nicht geprüft: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="484"/>
        <source>Check cancelled: the old %s stays in the keychain.</source>
        <translation>Prüfung abgebrochen: Das bisherige Geheimnis (%s) bleibt im Schlüsselbund.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="494"/>
        <source>Running the setup check…</source>
        <translation>Die Einrichtungsprüfung läuft…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="503"/>
        <source>The setup check passed.</source>
        <translation>Die Einrichtungsprüfung war erfolgreich.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="504"/>
        <source>The setup check passed with a warning.</source>
        <translation>Die Einrichtungsprüfung war erfolgreich, mit einer Warnung.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="505"/>
        <source>The setup check failed: the application is marked with the failure until it passes again.</source>
        <translation>Die Einrichtungsprüfung ist fehlgeschlagen: Die Anwendung bleibt als fehlerhaft markiert, bis sie wieder erfolgreich ist.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="513"/>
        <source>Not run: %s</source>
        <translation>Nicht ausgeführt: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="518"/>
        <source>Setup check cancelled.</source>
        <translation>Einrichtungsprüfung abgebrochen.</translation>
    </message>
</context>
<context>
    <name>ExceptionDialog</name>
    <message>
        <location filename="../../ec_console/ui/errors.py" line="89"/>
        <source>Unexpected error</source>
        <translation>Unerwarteter Fehler</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/errors.py" line="90"/>
        <source>Unexpected error — %s</source>
        <translation>Unerwarteter Fehler – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/errors.py" line="100"/>
        <source>&lt;b&gt;Something went wrong, but the console is still running.&lt;/b&gt;</source>
        <translation>&lt;b&gt;Etwas ist schiefgegangen, aber die Konsole läuft weiter.&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/errors.py" line="106"/>
        <source>You can carry on working. If it happens again, send the details to your support contact (passwords, tokens and keys are removed from them).</source>
        <translation>Sie können weiterarbeiten. Wenn es wieder passiert, senden Sie die Details an Ihren Support-Kontakt (Kennwörter, Token und Schlüssel sind daraus entfernt).</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/errors.py" line="109"/>
        <source>The full record is in the log file: %s</source>
        <translation>Der vollständige Eintrag steht in der Protokolldatei: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/errors.py" line="125"/>
        <source>Error details</source>
        <translation>Fehlerdetails</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/errors.py" line="133"/>
        <location filename="../../ec_console/ui/errors.py" line="159"/>
        <source>Show &amp;details</source>
        <translation>&amp;Details anzeigen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/errors.py" line="137"/>
        <source>&amp;Copy details</source>
        <translation>Details &amp;kopieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/errors.py" line="159"/>
        <source>Hide &amp;details</source>
        <translation>&amp;Details ausblenden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/errors.py" line="172"/>
        <source>(1 more error since — see the details)</source>
        <translation>(seitdem 1 weiterer Fehler – siehe Details)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/errors.py" line="173"/>
        <source>(%d more errors since — see the details)</source>
        <translation>(seitdem %d weitere Fehler – siehe Details)</translation>
    </message>
</context>
<context>
    <name>ExportProfiles</name>
    <message>
        <location filename="../../ec_console/ui/export_profiles.py" line="42"/>
        <source>%(path)s cannot be written: %(reason)s</source>
        <translation>%(path)s kann nicht geschrieben werden: %(reason)s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/export_profiles.py" line="53"/>
        <source>Export the profile list</source>
        <translation>Profilliste exportieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/export_profiles.py" line="54"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/export_profiles.py" line="67"/>
        <source>Exporting the profile list…</source>
        <translation>Die Profilliste wird exportiert…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/export_profiles.py" line="70"/>
        <source>Exported %(n)s to %(path)s</source>
        <translation>%(n)s nach %(path)s exportiert</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/export_profiles.py" line="74"/>
        <source>The profile list was not exported: %s</source>
        <translation>Die Profilliste wurde nicht exportiert: %s</translation>
    </message>
</context>
<context>
    <name>FieldForm</name>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="247"/>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="249"/>
        <source>Browse for %s</source>
        <translation>%s suchen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="331"/>
        <source>Certificates (*.pem *.crt *.cer);;All files (*)</source>
        <translation>Zertifikate (*.pem *.crt *.cer);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="332"/>
        <source>Certificate with its key (*.pem *.pfx *.p12);;All files (*)</source>
        <translation>Zertifikat mit Schlüssel (*.pem *.pfx *.p12);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="333"/>
        <source>JSON files (*.json);;All files (*)</source>
        <translation>JSON-Dateien (*.json);;Alle Dateien (*)</translation>
    </message>
</context>
<context>
    <name>HealthHistoryDialog</name>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="74"/>
        <location filename="../../ec_console/ui/health_history.py" line="80"/>
        <source>Linked</source>
        <translation>Verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="75"/>
        <location filename="../../ec_console/ui/health_history.py" line="81"/>
        <source>Needs relink</source>
        <translation>Erneut zu verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="76"/>
        <location filename="../../ec_console/ui/health_history.py" line="82"/>
        <source>Failing</source>
        <translation>Fehlerhaft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="77"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="78"/>
        <source>Trigger</source>
        <translation>Auslöser</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="79"/>
        <source>Outcome</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="83"/>
        <source>Leaks</source>
        <translation>Lecks</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="84"/>
        <source>Diagnoses</source>
        <translation>Diagnosen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="88"/>
        <source>scheduled</source>
        <translation>geplant</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="88"/>
        <source>manual</source>
        <translation>manuell</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="89"/>
        <source>ok</source>
        <translation>OK</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="89"/>
        <source>failing</source>
        <translation>fehlerhaft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="90"/>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="91"/>
        <source>not checked</source>
        <translation>nicht geprüft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="92"/>
        <source>skipped overlap</source>
        <translation>übersprungen (Überschneidung)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="93"/>
        <source>keychain unavailable</source>
        <translation>Schlüsselbund nicht erreichbar</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="94"/>
        <source>error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="120"/>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="278"/>
        <source>Health history — %s</source>
        <translation>Zustandsverlauf – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="286"/>
        <source>&amp;Application:</source>
        <translation>&amp;Anwendung:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="308"/>
        <source>Trend of linked, needs relink and failing profiles</source>
        <translation>Verlauf der verknüpften, erneut zu verknüpfenden und fehlerhaften Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="319"/>
        <source>Checks run, newest first</source>
        <translation>Ausgeführte Prüfungen, neueste zuerst</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="332"/>
        <source>Export &amp;CSV…</source>
        <translation>&amp;CSV exportieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="335"/>
        <source>Export &amp;XLSX…</source>
        <translation>&amp;XLSX exportieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="338"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="406"/>
        <location filename="../../ec_console/ui/health_history.py" line="436"/>
        <source>Reading the health history…</source>
        <translation>Zustandsverlauf wird gelesen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="460"/>
        <source>No monitor run yet: install the monitor (ec-console monitor install) or run it once (ec-console monitor run).</source>
        <translation>Noch keine Monitor-Ausführung: Installieren Sie den Monitor (ec-console monitor install) oder führen Sie ihn einmal aus (ec-console monitor run).</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="463"/>
        <location filename="../../ec_console/ui/health_history.py" line="630"/>
        <source>run</source>
        <translation>Ausführung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="463"/>
        <location filename="../../ec_console/ui/health_history.py" line="630"/>
        <source>runs</source>
        <translation>Ausführungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="502"/>
        <source>Run (local time)</source>
        <translation>Ausführung (Ortszeit)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="505"/>
        <source>Profiles</source>
        <translation>Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="543"/>
        <source>Run with a problem</source>
        <translation>Ausführung mit Problem</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="587"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="587"/>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel-Arbeitsmappen (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="588"/>
        <source>Export the health history</source>
        <translation>Zustandsverlauf exportieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="599"/>
        <source>Choose a file name ending in .csv or .xlsx</source>
        <translation>Wählen Sie einen Dateinamen mit der Endung .csv oder .xlsx</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="613"/>
        <source>%s cannot be written: %s</source>
        <translation>%s kann nicht geschrieben werden: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="621"/>
        <source>Exporting the health history…</source>
        <translation>Zustandsverlauf wird exportiert…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="629"/>
        <source>Exported %(n)s to %(path)s</source>
        <translation>%(n)s nach %(path)s exportiert</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="635"/>
        <source>Nothing was exported: %s</source>
        <translation>Es wurde nichts exportiert: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="635"/>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
</context>
<context>
    <name>ImportCredentialDialog</name>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="45"/>
        <source>Import credential</source>
        <translation>Anmeldeinformationen importieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="46"/>
        <source>Import credential — %s</source>
        <translation>Anmeldeinformationen importieren – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="52"/>
        <source>certificate</source>
        <translation>Zertifikat</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="65"/>
        <source>the test mailbox</source>
        <translation>das Testpostfach</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="67"/>
        <source>&lt;p&gt;&lt;b&gt;%(name)s&lt;/b&gt; · %(platform)s · %(domain)s&lt;/p&gt;&lt;p&gt;This desktop&apos;s keychain needs the application&apos;s %(what)s to run checks. The registry is shared and never holds one: each desktop keeps its own.&lt;/p&gt;&lt;p&gt;The %(what)s is checked first: the setup check runs with it against %(target)s. It is stored in this desktop&apos;s keychain only when the check passes. The application itself is not changed; the audit log records this computer and your user name, never the %(what)s.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;%(name)s&lt;/b&gt; · %(platform)s · %(domain)s&lt;/p&gt;&lt;p&gt;Um Prüfungen auszuführen, braucht der Schlüsselbund dieses Computers die Anmeldeinformationen der Anwendung (%(what)s). Das Register wird gemeinsam genutzt und enthält sie nie: Jeder Computer hat seine eigenen.&lt;/p&gt;&lt;p&gt;Die Anmeldeinformationen (%(what)s) werden zuerst geprüft: Die Einrichtungsprüfung läuft damit gegen %(target)s. Nur wenn die Prüfung erfolgreich ist, werden sie im Schlüsselbund dieses Computers gespeichert. Die Anwendung selbst wird nicht geändert; das Überwachungsprotokoll hält diesen Computer und Ihren Benutzernamen fest, nie die Anmeldeinformationen selbst (%(what)s).&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="85"/>
        <source>&amp;Browse…</source>
        <translation>&amp;Durchsuchen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="89"/>
        <source>Key file</source>
        <translation>Schlüsseldatei</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="90"/>
        <source>the service account&apos;s JSON key file</source>
        <translation>die JSON-Schlüsseldatei des Dienstkontos</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="91"/>
        <source>&amp;Key file:</source>
        <translation>&amp;Schlüsseldatei:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="93"/>
        <location filename="../../ec_console/ui/import_credential.py" line="173"/>
        <source>Certificate file</source>
        <translation>Zertifikatdatei</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="94"/>
        <source>PEM with its private key, or PFX</source>
        <translation>PEM mit privatem Schlüssel oder PFX</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="95"/>
        <source>&amp;Certificate file:</source>
        <translation>&amp;Zertifikatdatei:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="99"/>
        <source>Passphrase</source>
        <translation>Kennwort</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="100"/>
        <source>only for a PFX file or an encrypted key</source>
        <translation>nur für eine PFX-Datei oder einen verschlüsselten Schlüssel</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="102"/>
        <source>&amp;Passphrase:</source>
        <translation>&amp;Kennwort:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="103"/>
        <source>A certificate is the recommended way to share an application: each desktop imports the same certificate, and deleting it from the app registration in Microsoft Entra cuts every desktop off at once. The certificate is kept in this desktop&apos;s keychain; the file is no longer needed afterwards.</source>
        <translation>Ein Zertifikat ist der empfohlene Weg, eine Anwendung gemeinsam zu nutzen: Jeder Computer importiert dasselbe Zertifikat, und wenn Sie es aus der App-Registrierung in Microsoft Entra löschen, sind alle Computer auf einmal getrennt. Das Zertifikat wird im Schlüsselbund dieses Computers aufbewahrt; die Datei wird danach nicht mehr benötigt.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="115"/>
        <source>type the %s</source>
        <translation>%s eingeben</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="116"/>
        <source>&amp;%s:</source>
        <translation>&amp;%s:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="122"/>
        <source>Check of the credential</source>
        <translation>Prüfung der Anmeldeinformationen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="126"/>
        <source>Check and &amp;store</source>
        <translation>&amp;Prüfen und speichern</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="130"/>
        <source>Store &amp;anyway</source>
        <translation>&amp;Trotzdem speichern</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="132"/>
        <source>Store the credential although the check warned; the audit log records that you accepted the warning</source>
        <translation>Die Anmeldeinformationen trotz der Warnung der Prüfung speichern; das Überwachungsprotokoll hält fest, dass Sie die Warnung akzeptiert haben</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="136"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="138"/>
        <source>Cancel the check, or close</source>
        <translation>Prüfung abbrechen oder schließen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="171"/>
        <source>Service-account key file</source>
        <translation>Dienstkonto-Schlüsseldatei</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="171"/>
        <source>JSON files (*.json);;All files (*)</source>
        <translation>JSON-Dateien (*.json);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="174"/>
        <source>Certificates (*.pem *.pfx *.p12);;All files (*)</source>
        <translation>Zertifikate (*.pem *.pfx *.p12);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="183"/>
        <source>The result below is for the %s checked before.</source>
        <translation>Das Ergebnis unten gilt für die zuvor geprüften Anmeldeinformationen (%s).</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="193"/>
        <source>Checking the %s…</source>
        <translation>Die Anmeldeinformationen (%s) werden geprüft…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="217"/>
        <source>The check passed with a warning (below). Nothing is stored yet: press Store anyway to keep the %s in this desktop&apos;s keychain.</source>
        <translation>Die Prüfung war erfolgreich, mit einer Warnung (unten). Noch ist nichts gespeichert: Klicken Sie auf „Trotzdem speichern“, um die Anmeldeinformationen (%s) im Schlüsselbund dieses Computers aufzubewahren.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="223"/>
        <source>The check with this %(what)s failed:%(why)s Nothing was stored.</source>
        <translation>Die Prüfung mit diesen Anmeldeinformationen (%(what)s) ist fehlgeschlagen:%(why)s Es wurde nichts gespeichert.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="239"/>
        <source>Storing the %s in this desktop&apos;s keychain…</source>
        <translation>Die Anmeldeinformationen (%s) werden im Schlüsselbund dieses Computers gespeichert…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="253"/>
        <source>The %(what)s of %(name)s is in this desktop&apos;s keychain.</source>
        <translation>Die Anmeldeinformationen von %(name)s (%(what)s) sind im Schlüsselbund dieses Computers.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="255"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="261"/>
        <source>Not stored: %s</source>
        <translation>Nicht gespeichert: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="266"/>
        <source>Not checked: %s</source>
        <translation>Nicht geprüft: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/import_credential.py" line="271"/>
        <source>Check cancelled: nothing was stored.</source>
        <translation>Prüfung abgebrochen: Es wurde nichts gespeichert.</translation>
    </message>
</context>
<context>
    <name>LinkProfilesDialog</name>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="64"/>
        <source>Link profiles</source>
        <translation>Profile verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="65"/>
        <source>Link profiles — %s</source>
        <translation>Profile verknüpfen – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="81"/>
        <source>Link calendars through &lt;b&gt;%s&lt;/b&gt; (%s · %s): each one is probed through the application and recorded as linked. One that fails is not linked, and its row says why.</source>
        <translation>Kalender über &lt;b&gt;%s&lt;/b&gt; verknüpfen (%s · %s): Jeder wird über die Anwendung geprüft und als verknüpft gespeichert. Ein Kalender, dessen Prüfung fehlschlägt, wird nicht verknüpft; seine Zeile nennt den Grund.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="89"/>
        <source>Where the accounts come from</source>
        <translation>Herkunft der Konten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="90"/>
        <source>&amp;Discover</source>
        <translation>&amp;Ermitteln</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="91"/>
        <source>&amp;Paste or import</source>
        <translation>Ein&amp;fügen oder importieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="95"/>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="95"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="95"/>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="99"/>
        <source>Accounts to link</source>
        <translation>Zu verknüpfende Konten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="116"/>
        <source>Select &amp;all</source>
        <translation>&amp;Alle auswählen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="119"/>
        <source>Select &amp;none</source>
        <translation>&amp;Keine auswählen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="124"/>
        <source>Accounts chosen</source>
        <translation>Ausgewählte Konten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="133"/>
        <source>Linking progress</source>
        <translation>Fortschritt der Verknüpfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="137"/>
        <source>Linking status</source>
        <translation>Status der Verknüpfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="144"/>
        <source>&amp;Stop</source>
        <translation>Anhal&amp;ten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="146"/>
        <source>Stop linking; what is done stays recorded</source>
        <translation>Verknüpfen anhalten; bereits Erledigtes bleibt gespeichert</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="148"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="162"/>
        <source>Accounts (tick the ones to link):</source>
        <translation>Konten (die zu verknüpfenden ankreuzen):</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="169"/>
        <source>List the accounts in the application&apos;s scope (the scoping group, or the Google Workspace domain) from the platform itself.</source>
        <translation>Die Konten im Bereich der Anwendung (die Bereichsgruppe oder die Google Workspace-Domain) direkt von der Plattform auflisten.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="172"/>
        <source>&amp;Find accounts in scope</source>
        <translation>Konten im Bereich &amp;suchen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="175"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="177"/>
        <source>Cancel finding accounts</source>
        <translation>Suche nach Konten abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="198"/>
        <source>Addresses to link, one a line</source>
        <translation>Zu verknüpfende Adressen, eine pro Zeile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="199"/>
        <source>One address a line (or separated by commas), or the contents of Get-Mailbox | Export-Csv</source>
        <translation>Eine Adresse pro Zeile (oder durch Kommas getrennt) oder der Inhalt von Get-Mailbox | Export-Csv</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="201"/>
        <source>&amp;Add to the list</source>
        <translation>Zur Liste &amp;hinzufügen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="204"/>
        <source>&amp;Import CSV…</source>
        <translation>CSV &amp;importieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="206"/>
        <source>A list of addresses, or a Get-Mailbox | Export-Csv file (PrimarySmtpAddress column)</source>
        <translation>Eine Liste von Adressen oder eine Datei aus Get-Mailbox | Export-Csv (Spalte PrimarySmtpAddress)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="211"/>
        <source>Lines that could not be used</source>
        <translation>Zeilen, die nicht verwendet werden konnten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="233"/>
        <source>Asking the platform for the accounts in scope…</source>
        <translation>Die Plattform wird nach den Konten im Bereich gefragt…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="245"/>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="256"/>
        <source>super administrator</source>
        <translation>Super Admin</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="257"/>
        <source>administrator</source>
        <translation>Administrator</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="257"/>
        <source>executive</source>
        <translation>Führungskraft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="262"/>
        <source>Not ticked: %s</source>
        <translation>Nicht angekreuzt: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="263"/>
        <source>%(found)s in scope, %(added)s new in the list.</source>
        <translation>%(found)s im Bereich, %(added)s neu in der Liste.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="264"/>
        <location filename="../../ec_console/ui/link_dialog.py" line="405"/>
        <source>account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="264"/>
        <location filename="../../ec_console/ui/link_dialog.py" line="406"/>
        <source>accounts</source>
        <translation>Konten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="267"/>
        <source>Nothing is ticked: with more than %d accounts, tick the ones to link, or use Select all.</source>
        <translation>Nichts ist angekreuzt: Bei mehr als %d Konten kreuzen Sie die zu verknüpfenden an oder verwenden „Alle auswählen“.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="270"/>
        <source>Not ticked: %s. Administrators and executives are linked only when you tick them.</source>
        <translation>Nicht angekreuzt: %s. Administratoren und Führungskräfte werden nur verknüpft, wenn Sie sie ankreuzen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="271"/>
        <source>administrator or executive</source>
        <translation>Administrator oder Führungskraft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="272"/>
        <source>administrators or executives</source>
        <translation>Administratoren oder Führungskräfte</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="274"/>
        <source>Nothing is ticked: the platform does not say which of these accounts are administrators or executives. Tick the ones to link.</source>
        <translation>Nichts ist angekreuzt: Die Plattform gibt nicht an, welche dieser Konten Administratoren oder Führungskräfte sind. Kreuzen Sie die zu verknüpfenden an.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="281"/>
        <source>The accounts could not be listed: %s
Paste a list or import a CSV instead.</source>
        <translation>Die Konten konnten nicht aufgelistet werden: %s
Fügen Sie stattdessen eine Liste ein oder importieren Sie eine CSV-Datei.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="286"/>
        <source>Cancelled: nothing was listed.</source>
        <translation>Abgebrochen: Es wurde nichts aufgelistet.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="292"/>
        <source>Paste addresses first.</source>
        <translation>Fügen Sie zuerst Adressen ein.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="299"/>
        <source>Import addresses</source>
        <translation>Adressen importieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="300"/>
        <source>CSV or text files (*.csv *.txt);;All files (*)</source>
        <translation>CSV- oder Textdateien (*.csv *.txt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="319"/>
        <source>Line %(n)d: %(message)s</source>
        <translation>Zeile %(n)d: %(message)s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="322"/>
        <source>%(n)s read, %(added)s new in the list.</source>
        <translation>%(n)s gelesen, %(added)s neu in der Liste.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="323"/>
        <source>address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="323"/>
        <source>addresses</source>
        <translation>Adressen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="326"/>
        <source>1 line could not be used:</source>
        <translation>1 Zeile konnte nicht verwendet werden:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="327"/>
        <source>%s lines could not be used:</source>
        <translation>%s Zeilen konnten nicht verwendet werden:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="368"/>
        <source>Already linked through this application (%s)</source>
        <translation>Bereits über diese Anwendung verknüpft (%s)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="405"/>
        <source>Linking %s…</source>
        <translation>%s wird verknüpft…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="408"/>
        <source>Waiting…</source>
        <translation>Warten…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="420"/>
        <source>Stopping… (probes under way finish first)</source>
        <translation>Wird angehalten… (laufende Prüfungen werden noch beendet)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="433"/>
        <source>Linked %(done)s of %(total)s</source>
        <translation>%(done)s von %(total)s verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="450"/>
        <source>Linked</source>
        <translation>Verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="452"/>
        <source>Not linked: %s</source>
        <translation>Nicht verknüpft: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="455"/>
        <source>Try again later: %s</source>
        <translation>Später erneut versuchen: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="457"/>
        <source>The platform was busy or did not answer. Link this account again later: accounts already linked are kept, the rest are linked.</source>
        <translation>Die Plattform war ausgelastet oder hat nicht geantwortet. Verknüpfen Sie dieses Konto später erneut: Bereits verknüpfte Konten bleiben erhalten, die übrigen werden verknüpft.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="460"/>
        <source>Skipped</source>
        <translation>Übersprungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="482"/>
        <source>%s linked</source>
        <translation>%s verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="484"/>
        <source>%s not linked</source>
        <translation>%s nicht verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="486"/>
        <source>%s to try again later</source>
        <translation>%s später erneut zu versuchen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="488"/>
        <source>%s already linked</source>
        <translation>%s bereits verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="490"/>
        <source>%s skipped</source>
        <translation>%s übersprungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="491"/>
        <source>Stopped</source>
        <translation>Angehalten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="491"/>
        <source>Done</source>
        <translation>Fertig</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="494"/>
        <source>. Link %s again later to finish</source>
        <translation>. Verknüpfen Sie %s später erneut, um den Vorgang abzuschließen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="495"/>
        <source>it</source>
        <translation>es</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="495"/>
        <source>them</source>
        <translation>sie</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="498"/>
        <source>. The application itself failed (%s): %s</source>
        <translation>. Die Anwendung selbst ist fehlgeschlagen (%s): %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="509"/>
        <source>Nothing was linked: %s</source>
        <translation>Es wurde nichts verknüpft: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="517"/>
        <source>%(chosen)d of %(listed)d chosen</source>
        <translation>%(chosen)d von %(listed)d ausgewählt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="519"/>
        <source>calendar</source>
        <translation>Kalender</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="519"/>
        <source>calendars</source>
        <translation>Kalender</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="520"/>
        <source>&amp;Link %s</source>
        <translation>%s &amp;verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/link_dialog.py" line="520"/>
        <source>&amp;Link</source>
        <translation>&amp;Verknüpfen</translation>
    </message>
</context>
<context>
    <name>MainToolbar</name>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="60"/>
        <source>Add connection</source>
        <translation>Neue Verbindung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="69"/>
        <location filename="../../ec_console/ui/actions.py" line="123"/>
        <source>Test connectivity</source>
        <translation>Verbindung testen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="78"/>
        <source>Check all</source>
        <translation>Alle prüfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="87"/>
        <source>Link profiles</source>
        <translation>Profile verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="96"/>
        <source>Relink profile</source>
        <translation>Erneut verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="104"/>
        <source>Revoke profile</source>
        <translation>Profil widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="113"/>
        <source>Revoke application</source>
        <translation>Anwendung widerrufen</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="55"/>
        <source>&amp;Add connection…</source>
        <translation>&amp;Verbindung hinzufügen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="56"/>
        <source>Connect an application to Exchange, Office 365 or Google Workspace through a service account.</source>
        <translation>Eine Anwendung über ein Dienstkonto mit Exchange, Office 365 oder Google Workspace verbinden.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="64"/>
        <source>&amp;Test connectivity…</source>
        <translation>Verbindung &amp;testen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="65"/>
        <source>Check step by step whether the service account can reach one mailbox&apos;s calendar.</source>
        <translation>Schritt für Schritt prüfen, ob das Dienstkonto den Kalender eines Postfachs erreicht.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="74"/>
        <source>Check &amp;all</source>
        <translation>&amp;Alle prüfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="75"/>
        <source>Probe every linked calendar again and update its status.</source>
        <translation>Jeden verknüpften Kalender erneut prüfen und seinen Status aktualisieren.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="82"/>
        <source>&amp;Link profiles…</source>
        <translation>Profile &amp;verknüpfen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="83"/>
        <source>Find the calendars in an application&apos;s scope and link the ones you choose.</source>
        <translation>Die Kalender im Bereich einer Anwendung finden und die ausgewählten verknüpfen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="91"/>
        <source>&amp;Relink profile</source>
        <translation>Profil &amp;erneut verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="92"/>
        <source>Probe the selected calendars again with the application&apos;s current credentials.</source>
        <translation>Die ausgewählten Kalender erneut mit den aktuellen Anmeldeinformationen der Anwendung prüfen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="100"/>
        <source>Revoke &amp;profile…</source>
        <translation>&amp;Profil widerrufen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="101"/>
        <source>Stop the application&apos;s access to the selected calendars.</source>
        <translation>Den Zugriff der Anwendung auf die ausgewählten Kalender beenden.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="108"/>
        <source>Revo&amp;ke application…</source>
        <translation>Anwendung wi&amp;derrufen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="109"/>
        <source>Withdraw the selected application&apos;s organisation-wide grant, step by step.</source>
        <translation>Die organisationsweite Berechtigung der ausgewählten Anwendung Schritt für Schritt zurückziehen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="117"/>
        <source>&amp;Test connectivity</source>
        <translation>Verbindung &amp;testen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/actions.py" line="118"/>
        <source>Check the selected profile&apos;s calendar step by step now, with its application&apos;s saved settings and secret (nothing to enter).</source>
        <translation>Den Kalender des ausgewählten Profils jetzt Schritt für Schritt prüfen, mit den gespeicherten Einstellungen und dem Geheimnis seiner Anwendung (keine Eingabe nötig).</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="212"/>
        <source>Enterprise Connect Console</source>
        <translation>Enterprise Connect Console</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="268"/>
        <source>Open &amp;web dashboard</source>
        <translation>&amp;Web-Dashboard öffnen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="271"/>
        <source>Web dashboard</source>
        <translation>Web-Dashboard</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="275"/>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="278"/>
        <source>Read the applications and profiles again</source>
        <translation>Anwendungen und Profile erneut lesen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="281"/>
        <source>&amp;Find profiles</source>
        <translation>Profile &amp;suchen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="284"/>
        <location filename="../../ec_console/ui/main_window.py" line="395"/>
        <source>Search calendar profiles by email or name</source>
        <translation>Kalenderprofile nach E-Mail-Adresse oder Name suchen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="287"/>
        <source>&amp;Export profile list (CSV)…</source>
        <translation>Profilliste &amp;exportieren (CSV)…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="291"/>
        <source>Save the profiles shown (current search and filters) as a CSV file for a spreadsheet</source>
        <translation>Die angezeigten Profile (aktuelle Suche und Filter) als CSV-Datei für eine Tabellenkalkulation speichern</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="294"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="300"/>
        <source>&amp;About %s</source>
        <translation>Ü&amp;ber %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="305"/>
        <source>&amp;Documentation</source>
        <translation>&amp;Dokumentation</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="308"/>
        <source>Open the console&apos;s documentation in your browser</source>
        <translation>Die Dokumentation der Konsole im Browser öffnen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="311"/>
        <source>Open &amp;log folder</source>
        <translation>&amp;Protokollordner öffnen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="316"/>
        <location filename="../../ec_console/ui/main_window.py" line="318"/>
        <source>Main toolbar</source>
        <translation>Hauptsymbolleiste</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="334"/>
        <source>Spacer</source>
        <translation>Abstand</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="337"/>
        <source>Re&amp;gion:</source>
        <translation>Re&amp;gion:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="342"/>
        <source>Enterprise Connect instance to manage</source>
        <translation>Zu verwaltende Enterprise Connect-Instanz</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="344"/>
        <source>The Enterprise Connect instance to manage. Each region keeps its own applications and profiles.</source>
        <translation>Die zu verwaltende Enterprise Connect-Instanz. Jede Region hat ihre eigenen Anwendungen und Profile.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="350"/>
        <location filename="../../ec_console/ui/main_window.py" line="596"/>
        <source>Region</source>
        <translation>Region</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="366"/>
        <source>Applications connected in this region</source>
        <translation>In dieser Region verbundene Anwendungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="375"/>
        <source>&amp;Applications</source>
        <translation>An&amp;wendungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="382"/>
        <source>Applications panel</source>
        <translation>Bereich Anwendungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="396"/>
        <source>Search by email or name (Ctrl+F)</source>
        <translation>Nach E-Mail-Adresse oder Name suchen (Strg+F)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="406"/>
        <source>Show only profiles with this status</source>
        <translation>Nur Profile mit diesem Status anzeigen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="407"/>
        <source>All statuses</source>
        <translation>Alle Status</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="412"/>
        <source>&amp;Status:</source>
        <translation>&amp;Status:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="417"/>
        <source>Profiles shown</source>
        <translation>Angezeigte Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="430"/>
        <source>Calendar profiles linked in this region</source>
        <translation>In dieser Region verknüpfte Kalenderprofile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="451"/>
        <source>Profile columns</source>
        <translation>Profilspalten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="469"/>
        <location filename="../../ec_console/ui/main_window.py" line="1073"/>
        <source>&amp;Clear search and filters</source>
        <translation>Suche und Filter &amp;zurücksetzen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="475"/>
        <source>Profiles</source>
        <translation>Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="480"/>
        <source>Profiles panel</source>
        <translation>Bereich Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="488"/>
        <source>Applications and profiles</source>
        <translation>Anwendungen und Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="498"/>
        <source>Add connection…</source>
        <translation>Verbindung hinzufügen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="503"/>
        <source>Open web dashboard</source>
        <translation>Web-Dashboard öffnen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="509"/>
        <source>&amp;Try again</source>
        <translation>&amp;Erneut versuchen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="516"/>
        <source>Dashboard</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/app.py" line="133"/>
        <location filename="../../ec_console/ui/main_window.py" line="528"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="536"/>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="541"/>
        <source>Re&amp;gion</source>
        <translation>Re&amp;gion</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="554"/>
        <source>&amp;Appearance</source>
        <translation>&amp;Darstellung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="558"/>
        <source>Follow the &amp;system</source>
        <translation>&amp;System folgen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="558"/>
        <source>&amp;Light</source>
        <translation>&amp;Hell</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="559"/>
        <source>&amp;Dark</source>
        <translation>&amp;Dunkel</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="559"/>
        <source>&amp;High contrast</source>
        <translation>Hoher &amp;Kontrast</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="569"/>
        <source>&amp;Tools</source>
        <translation>E&amp;xtras</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="579"/>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="593"/>
        <source>Status bar</source>
        <translation>Statusleiste</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="599"/>
        <source>Profile counts</source>
        <translation>Anzahl der Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="604"/>
        <source>Registry role</source>
        <translation>Rolle im Register</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="608"/>
        <source>Keychain</source>
        <translation>Schlüsselbund</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="663"/>
        <source>A&amp;udit log…</source>
        <translation>Ü&amp;berwachungsprotokoll…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="665"/>
        <source>Every change made in this region: who, when, what</source>
        <translation>Jede Änderung in dieser Region: wer, wann, was</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="673"/>
        <source>&amp;Health history…</source>
        <translation>&amp;Zustandsverlauf…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="699"/>
        <source>The region choice could not be saved: %s</source>
        <translation>Die Wahl der Region konnte nicht gespeichert werden: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="745"/>
        <source> — sandbox organisation</source>
        <translation> — Sandbox-Organisation</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="747"/>
        <source>Region: %s</source>
        <translation>Region: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="751"/>
        <source>%s
The region&apos;s registry is shared. What your role may not do is greyed out; its tooltip says why.</source>
        <translation>%s
Das Register dieser Region wird gemeinsam genutzt. Was Ihre Rolle nicht darf, ist ausgegraut; der Tooltip sagt, warum.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="755"/>
        <source>Open web dashboard (%s)
Open %s in your browser</source>
        <translation>Web-Dashboard öffnen (%s)
%s im Browser öffnen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="759"/>
        <source>Open %s in your browser</source>
        <translation>%s im Browser öffnen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="842"/>
        <location filename="../../ec_console/ui/main_window.py" line="875"/>
        <location filename="../../ec_console/ui/main_window.py" line="886"/>
        <source>All applications</source>
        <translation>Alle Anwendungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="843"/>
        <location filename="../../ec_console/ui/main_window.py" line="876"/>
        <location filename="../../ec_console/ui/main_window.py" line="976"/>
        <location filename="../../ec_console/ui/main_window.py" line="1550"/>
        <source>profile</source>
        <translation>Profil</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="843"/>
        <location filename="../../ec_console/ui/main_window.py" line="876"/>
        <location filename="../../ec_console/ui/main_window.py" line="976"/>
        <location filename="../../ec_console/ui/main_window.py" line="1550"/>
        <source>profiles</source>
        <translation>Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="845"/>
        <source>Show the profiles of every application in this region</source>
        <translation>Die Profile aller Anwendungen dieser Region anzeigen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="892"/>
        <source> (revoked)</source>
        <translation> (widerrufen)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="893"/>
        <source> (needs attention)</source>
        <translation> (erfordert Aufmerksamkeit)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="894"/>
        <location filename="../../ec_console/ui/main_window.py" line="996"/>
        <source>%s linked</source>
        <translation>%s verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="896"/>
        <location filename="../../ec_console/ui/main_window.py" line="1000"/>
        <source>needs relink</source>
        <translation>erneut zu verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="896"/>
        <location filename="../../ec_console/ui/main_window.py" line="1000"/>
        <source>need relink</source>
        <translation>erneut zu verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="898"/>
        <location filename="../../ec_console/ui/main_window.py" line="998"/>
        <source>%s revoked</source>
        <translation>%s widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="899"/>
        <source>no profiles</source>
        <translation>keine Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="904"/>
        <source>Platform: %s</source>
        <translation>Plattform: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="905"/>
        <source>Domain: %s</source>
        <translation>Domain: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="906"/>
        <source>Status: %s</source>
        <translation>Status: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="906"/>
        <source>revoked</source>
        <translation>widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="907"/>
        <source>active</source>
        <translation>aktiv</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="909"/>
        <source>Problem with the application itself: %s</source>
        <translation>Problem mit der Anwendung selbst: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="966"/>
        <source>%s profiles selected</source>
        <translation>%s Profile ausgewählt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="989"/>
        <source>Linked</source>
        <translation>Verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="989"/>
        <source>Needs relink</source>
        <translation>Erneut zu verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="990"/>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1015"/>
        <source>Showing the first %s of %s · counting the matches…</source>
        <translation>Die ersten %s von %s werden angezeigt · Treffer werden gezählt…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1018"/>
        <source>Showing %s of %s</source>
        <translation>%s von %s angezeigt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1048"/>
        <source>Nothing is connected in %s yet</source>
        <translation>In %s ist noch nichts verbunden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1050"/>
        <source>&lt;p&gt;This console gives one application access to the calendars of your whole organisation through a single service account — on Exchange, Office 365 or Google Workspace — and keeps you in control of which calendars it can reach.&lt;/p&gt;&lt;p&gt;The first step is &lt;b&gt;Add connection…&lt;/b&gt;: pick the platform, enter the service account and prove that access works.&lt;/p&gt;&lt;p&gt;Each region keeps its own applications. Looking for ones you added elsewhere? Switch region in the toolbar.&lt;/p&gt;</source>
        <translation>&lt;p&gt;Diese Konsole gibt einer Anwendung über ein einziges Dienstkonto Zugriff auf die Kalender Ihrer ganzen Organisation — in Exchange, Office 365 oder Google Workspace — und Sie behalten die Kontrolle darüber, welche Kalender sie erreicht.&lt;/p&gt;&lt;p&gt;Der erste Schritt ist &lt;b&gt;Verbindung hinzufügen…&lt;/b&gt;: Plattform wählen, Dienstkonto eingeben und nachweisen, dass der Zugriff funktioniert.&lt;/p&gt;&lt;p&gt;Jede Region hat ihre eigenen Anwendungen. Sie suchen Anwendungen, die Sie anderswo hinzugefügt haben? Wechseln Sie die Region in der Symbolleiste.&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1066"/>
        <source>email or name containing “%s”</source>
        <translation>E-Mail-Adresse oder Name enthält „%s“</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1068"/>
        <source>status %s</source>
        <translation>Status %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1070"/>
        <source>application %s</source>
        <translation>Anwendung %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1076"/>
        <source>No profiles match</source>
        <translation>Keine passenden Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1077"/>
        <source>&lt;p&gt;No calendar profile in %s has all of:&lt;/p&gt;&lt;ul&gt;%s&lt;/ul&gt;&lt;p&gt;Check the spelling, search for part of the address, or clear the filters.&lt;/p&gt;</source>
        <translation>&lt;p&gt;Kein Kalenderprofil in %s erfüllt alle diese Bedingungen:&lt;/p&gt;&lt;ul&gt;%s&lt;/ul&gt;&lt;p&gt;Prüfen Sie die Schreibweise, suchen Sie nach einem Teil der Adresse oder setzen Sie die Filter zurück.&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1081"/>
        <source>Show &amp;all applications</source>
        <translation>Alle Anwendungen an&amp;zeigen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1083"/>
        <source>No calendars linked through %s yet</source>
        <translation>Über %s sind noch keine Kalender verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1084"/>
        <source>&lt;p&gt;This application has no linked calendar profiles yet. Use &lt;b&gt;Link profiles…&lt;/b&gt; (Ctrl+L) to find the calendars in its scope and link them.&lt;/p&gt;</source>
        <translation>&lt;p&gt;Diese Anwendung hat noch keine verknüpften Kalenderprofile. Mit &lt;b&gt;Profile verknüpfen…&lt;/b&gt; (Strg+L) finden Sie die Kalender in ihrem Bereich und verknüpfen sie.&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1088"/>
        <source>No calendar profiles in %s yet</source>
        <translation>Noch keine Kalenderprofile in %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1089"/>
        <source>&lt;p&gt;Applications are connected, but no calendars are linked through them yet. Pick an application on the left, then use &lt;b&gt;Link profiles…&lt;/b&gt;.&lt;/p&gt;</source>
        <translation>&lt;p&gt;Anwendungen sind verbunden, aber über sie sind noch keine Kalender verknüpft. Wählen Sie links eine Anwendung und dann &lt;b&gt;Profile verknüpfen…&lt;/b&gt;.&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1099"/>
        <source>&lt;p&gt;%s&lt;/p&gt;</source>
        <translation>&lt;p&gt;%s&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1099"/>
        <source>It is not open.</source>
        <translation>Es ist nicht geöffnet.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1101"/>
        <source>&lt;p&gt;File: %s&lt;/p&gt;</source>
        <translation>&lt;p&gt;Datei: %s&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1102"/>
        <source>&lt;p&gt;Close other programs that may hold it, or restore it from a backup, then try again. Other regions are not affected.&lt;/p&gt;</source>
        <translation>&lt;p&gt;Schließen Sie andere Programme, die es geöffnet haben könnten, oder stellen Sie es aus einer Sicherung wieder her, und versuchen Sie es dann erneut. Andere Regionen sind nicht betroffen.&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1104"/>
        <source>The %s registry cannot be opened</source>
        <translation>Das Register von %s kann nicht geöffnet werden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1161"/>
        <source>No browser could be opened. The dashboard is at %s</source>
        <translation>Es konnte kein Browser geöffnet werden. Das Dashboard ist unter %s erreichbar</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1225"/>
        <source>Select one profile whose application is not revoked to test its connectivity.</source>
        <translation>Wählen Sie ein Profil, dessen Anwendung nicht widerrufen ist, um seine Verbindung zu testen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1240"/>
        <location filename="../../ec_console/ui/main_window.py" line="1384"/>
        <source>Not possible: this profile&apos;s application has been revoked (its secret is deleted). Add the connection again to reach the calendar.</source>
        <translation>Nicht möglich: Die Anwendung dieses Profils wurde widerrufen (ihr Geheimnis ist gelöscht). Fügen Sie die Verbindung erneut hinzu, um den Kalender zu erreichen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1258"/>
        <source>No browser could be opened. The documentation is at %s</source>
        <translation>Es konnte kein Browser geöffnet werden. Die Dokumentation ist unter %s zu finden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1269"/>
        <source>&amp;Language</source>
        <translation>S&amp;prache</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1273"/>
        <source>&amp;System default</source>
        <translation>&amp;Systemstandard</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1293"/>
        <source>The language could not be saved: %s</source>
        <translation>Die Sprache konnte nicht gespeichert werden: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1296"/>
        <source>The console will follow the system&apos;s language the next time it starts.</source>
        <translation>Die Konsole verwendet ab dem nächsten Start die Sprache des Systems.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1298"/>
        <source>The console will be in %s the next time it starts.</source>
        <translation>Die Konsole erscheint ab dem nächsten Start auf %s.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1299"/>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1315"/>
        <source>The appearance could not be saved: %s</source>
        <translation>Die Darstellung konnte nicht gespeichert werden: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1382"/>
        <source>Select one profile to test its connectivity.</source>
        <translation>Wählen Sie ein Profil, um seine Verbindung zu testen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1386"/>
        <source>Not possible: the applications of these profiles have been revoked (their secrets are deleted). Add the connection again to reach the calendars.</source>
        <translation>Nicht möglich: Die Anwendungen dieser Profile wurden widerrufen (ihre Geheimnisse sind gelöscht). Fügen Sie die Verbindung erneut hinzu, um die Kalender zu erreichen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1391"/>
        <source>Not needed: this profile is already revoked. Relink it to undo the revoke.</source>
        <translation>Nicht nötig: Dieses Profil ist bereits widerrufen. Verknüpfen Sie es erneut, um den Widerruf rückgängig zu machen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1393"/>
        <source>Not needed: these profiles are already revoked. Relink them to undo the revoke.</source>
        <translation>Nicht nötig: Diese Profile sind bereits widerrufen. Verknüpfen Sie sie erneut, um den Widerruf rückgängig zu machen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1516"/>
        <source>Not revoked: </source>
        <translation>Nicht widerrufen: </translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1549"/>
        <source>%s revoked in %s; the platform step is in each profile&apos;s details</source>
        <translation>%s in %s widerrufen; der Schritt auf der Plattform steht in den Details jedes Profils</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1570"/>
        <source>Relink</source>
        <translation>Erneut verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1585"/>
        <source>Check all</source>
        <translation>Alle prüfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1667"/>
        <source>&amp;Details</source>
        <translation>&amp;Details</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1692"/>
        <source>unavailable — see Help › About</source>
        <translation>nicht verfügbar — siehe Hilfe › Über</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1693"/>
        <source>Keychain: %s</source>
        <translation>Schlüsselbund: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/main_window.py" line="1695"/>
        <source>Where the console keeps service-account secrets:
%s</source>
        <translation>Wo die Konsole die Geheimnisse der Dienstkonten aufbewahrt:
%s</translation>
    </message>
</context>
<context>
    <name>MonitorStatus</name>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="678"/>
        <source>Monitor not installed</source>
        <translation>Monitor nicht installiert</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="684"/>
        <source>Monitor: missed: no scheduled run yet</source>
        <translation>Monitor: ausgelassen: noch keine geplante Ausführung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="688"/>
        <source>Monitor: missed: last run %s day ago</source>
        <translation>Monitor: ausgelassen: letzte Ausführung vor %s Tag</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="690"/>
        <source>Monitor: missed: last run %s days ago</source>
        <translation>Monitor: ausgelassen: letzte Ausführung vor %s Tagen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="692"/>
        <source>Monitor: missed: last run %s hour ago</source>
        <translation>Monitor: ausgelassen: letzte Ausführung vor %s Stunde</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="694"/>
        <source>Monitor: missed: last run %s hours ago</source>
        <translation>Monitor: ausgelassen: letzte Ausführung vor %s Stunden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="697"/>
        <source>Monitor installed: no scheduled run yet</source>
        <translation>Monitor installiert: noch keine geplante Ausführung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="700"/>
        <source>all applications healthy</source>
        <translation>alle Anwendungen fehlerfrei</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="702"/>
        <source>%s application failing</source>
        <translation>%s Anwendung fehlerhaft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="704"/>
        <source>%s applications failing</source>
        <translation>%s Anwendungen fehlerhaft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="710"/>
        <source>Last scheduled run: %(when)s, %(health)s</source>
        <translation>Letzte geplante Ausführung: %(when)s, %(health)s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="713"/>
        <source> (monitor not installed)</source>
        <translation> (Monitor nicht installiert)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="724"/>
        <source>Monitor</source>
        <translation>Monitor</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="763"/>
        <source>Monitor: %s</source>
        <translation>Monitor: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="779"/>
        <source>Open the health history</source>
        <translation>Zustandsverlauf öffnen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="782"/>
        <source>%s change</source>
        <translation>%s Änderung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="782"/>
        <source>%s changes</source>
        <translation>%s Änderungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="783"/>
        <source>Enterprise Connect monitor: %s</source>
        <translation>Enterprise Connect-Monitor: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/health_history.py" line="794"/>
        <source>Enterprise Connect console</source>
        <translation>Enterprise Connect-Konsole</translation>
    </message>
</context>
<context>
    <name>Operations</name>
    <message>
        <location filename="../../ec_console/ui/operations.py" line="313"/>
        <source>%(path)s cannot be read: %(error)s</source>
        <translation>%(path)s kann nicht gelesen werden: %(error)s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/operations.py" line="314"/>
        <source>%s is larger than 50 MB; split it into smaller lists</source>
        <translation>%s ist größer als 50 MB; teilen Sie die Datei in kleinere Listen auf</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/operations.py" line="315"/>
        <source>%s is not a text file (UTF-8 or UTF-16 expected)</source>
        <translation>%s ist keine Textdatei (UTF-8 oder UTF-16 erwartet)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/operations.py" line="566"/>
        <source>%s is revoked: the console no longer reads its calendar; relink it first</source>
        <translation>Das Profil %s ist widerrufen: Die Konsole liest seinen Kalender nicht mehr; verknüpfen Sie es zuerst erneut</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/operations.py" line="568"/>
        <source>The application %s is revoked: its calendars can no longer be read</source>
        <translation>Die Anwendung %s ist widerrufen: Ihre Kalender können nicht mehr gelesen werden</translation>
    </message>
</context>
<context>
    <name>PlatformPage</name>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="383"/>
        <source>Which platform holds the calendars?</source>
        <translation>Auf welcher Plattform liegen die Kalender?</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="384"/>
        <source>The application reaches every calendar through one service account.</source>
        <translation>Die Anwendung erreicht jeden Kalender über ein einziges Dienstkonto.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="388"/>
        <source>&amp;Use the sandbox organisation (fictional, no tenant needed)</source>
        <translation>Sandbox-Organisation &amp;verwenden (fiktiv, kein Mandant nötig)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="405"/>
        <source>Use the sandbox organisation</source>
        <translation>Sandbox-Organisation verwenden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="420"/>
        <source>Keychain problem</source>
        <translation>Problem mit dem Schlüsselbund</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="421"/>
        <source>Check the &amp;keychain again</source>
        <translation>Schlüsselbund erneut &amp;prüfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="452"/>
        <source>&lt;b&gt;Secrets cannot be kept on this computer.&lt;/b&gt; The service account&apos;s password, client secret or key goes to the OS keychain when the application is saved, and no usable keychain was found:&lt;br&gt;%s&lt;br&gt;Fix that first, then check again.</source>
        <translation>&lt;b&gt;Auf diesem Computer können keine Geheimnisse aufbewahrt werden.&lt;/b&gt; Das Kennwort, der geheime Clientschlüssel oder der Schlüssel des Dienstkontos kommt beim Speichern der Anwendung in den Schlüsselbund des Betriebssystems, und es wurde kein nutzbarer Schlüsselbund gefunden:&lt;br&gt;%s&lt;br&gt;Beheben Sie das zuerst und prüfen Sie dann erneut.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="466"/>
        <source>The sandbox organisation is starting…</source>
        <translation>Die Sandbox-Organisation wird gestartet…</translation>
    </message>
</context>
<context>
    <name>ProfileDetailsPane</name>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="67"/>
        <source>check</source>
        <translation>Prüfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="68"/>
        <source>link</source>
        <translation>Verknüpfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="69"/>
        <source>relink</source>
        <translation>Erneute Verknüpfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="70"/>
        <source>verify_withdrawal</source>
        <translation>Entzug bestätigt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="71"/>
        <source>setup</source>
        <translation>Einrichtung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="72"/>
        <source>secret_check</source>
        <translation>Geheimnis geprüft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="90"/>
        <source>%s all day</source>
        <translation>%s ganztägig</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="114"/>
        <location filename="../../ec_console/ui/profile_details.py" line="116"/>
        <source>Profile details</source>
        <translation>Profildetails</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="119"/>
        <source>profile details</source>
        <translation>Profildetails</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="140"/>
        <source>Test co&amp;nnectivity</source>
        <translation>Verbindung &amp;testen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="142"/>
        <source>Test connectivity</source>
        <translation>Verbindung testen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="143"/>
        <source>Check this calendar step by step now, with its application&apos;s saved settings and secret (nothing to enter)</source>
        <translation>Diesen Kalender jetzt Schritt für Schritt prüfen, mit den gespeicherten Einstellungen und dem Geheimnis seiner Anwendung (keine Eingabe nötig)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="161"/>
        <source>Busy blocks of the next 7 days</source>
        <translation>Belegte Zeiten der nächsten 7 Tage</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="166"/>
        <source>&amp;Read now</source>
        <translation>&amp;Jetzt lesen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="168"/>
        <source>Read the busy times of the next 7 days from the calendar now (times only; the profile&apos;s status does not change)</source>
        <translation>Die belegten Zeiten der nächsten 7 Tage jetzt aus dem Kalender lesen (nur Zeiten; der Status des Profils ändert sich nicht)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="174"/>
        <source>Import &amp;credential…</source>
        <translation>Anmeldeinformationen &amp;importieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="176"/>
        <source>Put the application&apos;s password, key or certificate into this desktop&apos;s keychain, after checking it</source>
        <translation>Das Kennwort, den Schlüssel oder das Zertifikat der Anwendung prüfen und in den Schlüsselbund dieses Computers übernehmen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="191"/>
        <source>Withdraw this calendar at the platform</source>
        <translation>Zugriff auf der Plattform entziehen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="196"/>
        <source>Busy in the next 7 days</source>
        <translation>Belegt in den nächsten 7 Tagen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="208"/>
        <source>Steps of the last check</source>
        <translation>Schritte der letzten Prüfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="209"/>
        <source>This calendar has not been checked yet.</source>
        <translation>Dieser Kalender wurde noch nicht geprüft.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="217"/>
        <source>Check history</source>
        <translation>Prüfverlauf</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="218"/>
        <location filename="../../ec_console/ui/profile_details.py" line="220"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="218"/>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="218"/>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="219"/>
        <source>Audit entries of this profile</source>
        <translation>Einträge dieses Profils im Überwachungsprotokoll</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="220"/>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="220"/>
        <source>Detail</source>
        <translation>Detail</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="223"/>
        <source>Checks</source>
        <translation>Prüfungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="225"/>
        <source>Audit</source>
        <translation>Überwachungsprotokoll</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="230"/>
        <source>Profile details sections</source>
        <translation>Abschnitte der Profildetails</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="238"/>
        <source>&amp;Overview</source>
        <translation>Ü&amp;bersicht</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="239"/>
        <source>&amp;Last check</source>
        <translation>&amp;Letzte Prüfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="240"/>
        <source>H&amp;istory</source>
        <translation>&amp;Verlauf</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="291"/>
        <source>No profile selected</source>
        <translation>Kein Profil ausgewählt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="315"/>
        <source>Profile details — %s</source>
        <translation>Profildetails – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="320"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="321"/>
        <source>Application</source>
        <translation>Anwendung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="322"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="323"/>
        <source>First linked</source>
        <translation>Erstmals verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="324"/>
        <source>Last checked</source>
        <translation>Zuletzt geprüft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="324"/>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="325"/>
        <source>Last result</source>
        <translation>Letztes Ergebnis</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="331"/>
        <source>Last failure: %s — %s</source>
        <translation>Letzter Fehler: %s – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="358"/>
        <source>Not read yet: use Read now.</source>
        <translation>Noch nicht gelesen: Klicken Sie auf „Jetzt lesen“.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="361"/>
        <source>The last check (%s) could not read the calendar.</source>
        <translation>Die letzte Prüfung (%s) konnte den Kalender nicht lesen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="362"/>
        <source>From the last check (%s).</source>
        <translation>Aus der letzten Prüfung (%s).</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="370"/>
        <source>Command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="383"/>
        <source>No busy time</source>
        <translation>Keine belegte Zeit</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="424"/>
        <source>Reading the calendar…</source>
        <translation>Kalender wird gelesen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="438"/>
        <source>The calendar could not be read: %s</source>
        <translation>Der Kalender konnte nicht gelesen werden: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="442"/>
        <source>Read just now (%s).</source>
        <translation>Soeben gelesen (%s).</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="472"/>
        <source>The credential is in this desktop&apos;s keychain: read the calendar again with Read now.</source>
        <translation>Die Anmeldeinformationen sind im Schlüsselbund dieses Computers: Lesen Sie den Kalender mit „Jetzt lesen“ erneut.</translation>
    </message>
</context>
<context>
    <name>ProfilesModel</name>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="86"/>
        <source>Email</source>
        <translation>E-Mail</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="87"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="88"/>
        <source>Application</source>
        <translation>Anwendung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="89"/>
        <source>Platform</source>
        <translation>Plattform</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="90"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="91"/>
        <source>Last checked</source>
        <translation>Zuletzt geprüft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="92"/>
        <source>Last result</source>
        <translation>Letztes Ergebnis</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="96"/>
        <source>Linked</source>
        <translation>Verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="97"/>
        <source>Needs relink</source>
        <translation>Erneut zu verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="98"/>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="100"/>
        <source>Linked: the application reaches this calendar.</source>
        <translation>Verknüpft: Die Anwendung erreicht diesen Kalender.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="101"/>
        <source>Needs relink: the last probe failed; relink once the cause is fixed.</source>
        <translation>Erneut zu verknüpfen: Die letzte Prüfung ist fehlgeschlagen. Verknüpfen Sie das Profil erneut, sobald die Ursache behoben ist.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="103"/>
        <source>Revoked: the console no longer probes this calendar.</source>
        <translation>Widerrufen: Die Konsole prüft diesen Kalender nicht mehr.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="105"/>
        <source>Passed</source>
        <translation>Bestanden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="106"/>
        <source>Passed with warnings</source>
        <translation>Bestanden mit Warnungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="107"/>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="108"/>
        <source>Not checked yet</source>
        <translation>Noch nicht geprüft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="109"/>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="409"/>
        <source>Click to sort by %s</source>
        <translation>Klicken, um nach „%s“ zu sortieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="435"/>
        <source>(removed)</source>
        <translation>(entfernt)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="706"/>
        <source>This calendar has not been checked yet.</source>
        <translation>Dieser Kalender wurde noch nicht geprüft.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="707"/>
        <source>%s local time (%s UTC)</source>
        <translation>%s Ortszeit (%s UTC)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profiles_model.py" line="710"/>
        <source>Last check failed with diagnosis “%s”.</source>
        <translation>Die letzte Prüfung ist mit der Diagnose „%s“ fehlgeschlagen.</translation>
    </message>
</context>
<context>
    <name>ReconcileActions</name>
    <message>
        <location filename="../../ec_console/ui/reconcile_actions.py" line="27"/>
        <source>Rec&amp;oncile…</source>
        <translation>Abg&amp;leichen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_actions.py" line="30"/>
        <source>Who joined or left the scope, which linked profiles are broken, and whether anyone outside the scope can be reached</source>
        <translation>Wer in den Bereich gekommen ist oder ihn verlassen hat, welche verknüpften Profile gestört sind und ob jemand außerhalb des Bereichs erreichbar ist</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_actions.py" line="43"/>
        <source>Reconciliation</source>
        <translation>Abgleich</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_actions.py" line="53"/>
        <source>%s is revoked.</source>
        <translation>%s ist widerrufen.</translation>
    </message>
</context>
<context>
    <name>ReconcileWindow</name>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="80"/>
        <source>Lea&amp;ks</source>
        <translation>&amp;Lecks</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="81"/>
        <source>J&amp;oiners</source>
        <translation>Ne&amp;uzugänge</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="82"/>
        <source>Lea&amp;vers</source>
        <translation>A&amp;bgänge</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="83"/>
        <source>&amp;Broken profiles</source>
        <translation>Fe&amp;hlerhafte Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="85"/>
        <source>Most serious: outside the scope, yet the application can reach them. Fix the grant on the platform (select one to see how).</source>
        <translation>Am schwerwiegendsten: außerhalb des Bereichs, und doch erreicht die Anwendung sie. Korrigieren Sie die Berechtigung auf der Plattform (wählen Sie einen Eintrag aus, um zu sehen, wie).</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="88"/>
        <source>In the scope, not linked yet.</source>
        <translation>Im Bereich, noch nicht verknüpft.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="89"/>
        <source>Linked, no longer in the scope: revoke the profile; the platform step is shown.</source>
        <translation>Verknüpft, nicht mehr im Bereich: Widerrufen Sie das Profil; der Schritt auf der Plattform wird angezeigt.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="91"/>
        <source>Linked and in the scope, but the probe fails: fix the cause, then relink.</source>
        <translation>Verknüpft und im Bereich, aber die Prüfung schlägt fehl: Beheben Sie die Ursache, und verknüpfen Sie dann erneut.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="94"/>
        <source>Leak</source>
        <translation>Leck</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="95"/>
        <source>Joiner</source>
        <translation>Neuzugang</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="96"/>
        <source>Leaver</source>
        <translation>Abgang</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="97"/>
        <source>Broken profile</source>
        <translation>Fehlerhaftes Profil</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="99"/>
        <source>leak</source>
        <translation>Leck</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="100"/>
        <source>leaks</source>
        <translation>Lecks</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="101"/>
        <source>joiner</source>
        <translation>Neuzugang</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="102"/>
        <source>joiners</source>
        <translation>Neuzugänge</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="103"/>
        <source>leaver</source>
        <translation>Abgang</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="104"/>
        <source>leavers</source>
        <translation>Abgänge</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="105"/>
        <source>broken profile</source>
        <translation>fehlerhaftes Profil</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="106"/>
        <source>broken profiles</source>
        <translation>fehlerhafte Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="107"/>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="107"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="108"/>
        <source>What was found</source>
        <translation>Befund</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="109"/>
        <source>Diagnosis</source>
        <translation>Diagnose</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="109"/>
        <source>Done</source>
        <translation>Erledigt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="110"/>
        <source>Finding</source>
        <translation>Befund</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="111"/>
        <source>Fix or platform step</source>
        <translation>Behebung oder Schritt auf der Plattform</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="113"/>
        <source>the scope (who the directory says the application may reach)</source>
        <translation>der Bereich (wen die Anwendung laut Verzeichnis erreichen darf)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="115"/>
        <source>the directory (to draw the sample of accounts outside the scope)</source>
        <translation>das Verzeichnis (für die Stichprobe der Konten außerhalb des Bereichs)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="117"/>
        <source>what the application can reach (the probes)</source>
        <translation>was die Anwendung erreichen kann (die Prüfungen)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="118"/>
        <source>what the Marketplace install really reaches</source>
        <translation>was die Marketplace-Installation tatsächlich erreicht</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="142"/>
        <source>the scope could not be read</source>
        <translation>der Bereich konnte nicht gelesen werden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="144"/>
        <source>the application itself failed, so no account could be probed</source>
        <translation>die Anwendung selbst ist fehlgeschlagen, daher konnte kein Konto geprüft werden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="147"/>
        <source>the directory could not be read to draw a sample</source>
        <translation>das Verzeichnis konnte für die Stichprobe nicht gelesen werden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="149"/>
        <source>none in the install as saved here, and only the vendor can test what the Marketplace app really reaches</source>
        <translation>keine in der hier gespeicherten Installation, und nur der Anbieter kann prüfen, was die Marketplace-App tatsächlich erreicht</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="152"/>
        <source>none of the sampled accounts could be probed</source>
        <translation>keines der Konten in der Stichprobe konnte geprüft werden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="161"/>
        <source>Link it: Link (the selected joiners) or Link all joiners.</source>
        <translation>Verknüpfen Sie es: „Verknüpfen“ (die ausgewählten Neuzugänge) oder „Alle Neuzugänge verknüpfen“.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="163"/>
        <source>Revoke its profile: Revoke profile… or Revoke all leavers…</source>
        <translation>Widerrufen Sie sein Profil: „Profil widerrufen…“ oder „Alle Abgänge widerrufen…“</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="417"/>
        <source>Reconcile</source>
        <translation>Abgleichen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="418"/>
        <source>Reconcile — %s</source>
        <translation>Abgleichen – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="439"/>
        <source>Sample size</source>
        <translation>Stichprobengröße</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="440"/>
        <source>How many accounts outside the scope to probe for leaks, drawn at random (the expect-denied mailbox is always probed as well)</source>
        <translation>Wie viele zufällig gewählte Konten außerhalb des Bereichs auf Lecks geprüft werden (das Postfach, dessen Zugriff verweigert werden muss, wird immer zusätzlich geprüft)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="442"/>
        <source>Sample si&amp;ze:</source>
        <translation>Stich&amp;probengröße:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="447"/>
        <source>Scope group (optional)</source>
        <translation>Bereichsgruppe (optional)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="449"/>
        <source>the saved one: %s</source>
        <translation>die gespeicherte: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="449"/>
        <source>the saved scope</source>
        <translation>der gespeicherte Bereich</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="450"/>
        <source>Optional: reconcile against this group (or, for Google, organisational unit) instead of the saved scope</source>
        <translation>Optional: mit dieser Gruppe (bei Google: Organisationseinheit) statt mit dem gespeicherten Bereich abgleichen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="453"/>
        <source>Scope &amp;group:</source>
        <translation>Bereichs&amp;gruppe:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="455"/>
        <source>&amp;Run reconciliation</source>
        <translation>Abgleich &amp;starten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="459"/>
        <source>&amp;Cancel</source>
        <translation>&amp;Abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="462"/>
        <source>Stop the run: nothing is stored</source>
        <translation>Den Lauf anhalten: Es wird nichts gespeichert</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="475"/>
        <source>Compares who the directory says &lt;b&gt;%(app)s&lt;/b&gt; may reach (%(platform)s), the linked profiles, and what live probes really reach. Probes change no profile; each run is stored.</source>
        <translation>Vergleicht, wen &lt;b&gt;%(app)s&lt;/b&gt; laut Verzeichnis erreichen darf (%(platform)s), die verknüpften Profile und was Live-Prüfungen tatsächlich erreichen. Die Prüfungen ändern kein Profil; jeder Lauf wird gespeichert.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="483"/>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="491"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="511"/>
        <source>Filter by address or name</source>
        <translation>Nach Adresse oder Name filtern</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="512"/>
        <source>Address or name</source>
        <translation>Adresse oder Name</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="515"/>
        <source>&amp;Filter:</source>
        <translation>&amp;Filter:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="519"/>
        <source>Finding type</source>
        <translation>Art des Befunds</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="520"/>
        <source>All findings</source>
        <translation>Alle Befunde</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="524"/>
        <source>Sho&amp;w:</source>
        <translation>An&amp;zeigen:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="535"/>
        <source>Cop&amp;y the fix</source>
        <translation>Lösung &amp;kopieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="536"/>
        <source>Copy the fix</source>
        <translation>Lösung kopieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="537"/>
        <source>&amp;Link</source>
        <translation>&amp;Verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="538"/>
        <source>Link</source>
        <translation>Verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="539"/>
        <source>Link all &amp;joiners</source>
        <translation>Alle &amp;Neuzugänge verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="540"/>
        <source>Link all joiners</source>
        <translation>Alle Neuzugänge verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="541"/>
        <source>Revoke &amp;profile…</source>
        <translation>Profil &amp;widerrufen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="542"/>
        <source>Revoke profile…</source>
        <translation>Profil widerrufen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="543"/>
        <source>Revoke all l&amp;eavers…</source>
        <translation>Alle Abgänge wide&amp;rrufen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="544"/>
        <source>Revoke all leavers…</source>
        <translation>Alle Abgänge widerrufen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="545"/>
        <source>Rel&amp;ink</source>
        <translation>&amp;Erneut verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="546"/>
        <source>Relink</source>
        <translation>Erneut verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="553"/>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="555"/>
        <source>&amp;Details</source>
        <translation>&amp;Details</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="571"/>
        <source>Export C&amp;SV…</source>
        <translation>&amp;CSV exportieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="575"/>
        <source>Export XLS&amp;X…</source>
        <translation>&amp;XLSX exportieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="579"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="646"/>
        <source>Reconciling: reading the scope and the directory, probing the linked profiles and a sample of accounts outside the scope…</source>
        <translation>Abgleich läuft: Bereich und Verzeichnis werden gelesen, die verknüpften Profile und eine Stichprobe von Konten außerhalb des Bereichs werden geprüft…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="658"/>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="667"/>
        <source>Reconciled at %(time)s and stored.</source>
        <translation>Abgeglichen um %(time)s und gespeichert.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="669"/>
        <source>The run had finished before Cancel took effect: </source>
        <translation>Der Lauf war fertig, bevor „Abbrechen“ wirksam wurde: </translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="675"/>
        <source>The reconciliation did not run: %s</source>
        <translation>Der Abgleich wurde nicht ausgeführt: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="679"/>
        <source>Cancelled: nothing was stored.</source>
        <translation>Abgebrochen: Es wurde nichts gespeichert.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="684"/>
        <source>profile</source>
        <translation>Profil</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="684"/>
        <source>profiles</source>
        <translation>Profile</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="691"/>
        <source>Cannot tell: %(set)s could not be read. Why: %(why)s</source>
        <translation>Nicht feststellbar: %(set)s konnte nicht gelesen werden. Grund: %(why)s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="697"/>
        <source>Not run yet: choose the sample size and Run reconciliation.</source>
        <translation>Noch nicht ausgeführt: Wählen Sie die Stichprobengröße, und klicken Sie auf „Abgleich starten“.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="699"/>
        <location filename="../../ec_console/ui/reconcile_view.py" line="937"/>
        <source>account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="699"/>
        <location filename="../../ec_console/ui/reconcile_view.py" line="937"/>
        <source>accounts</source>
        <translation>Konten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="700"/>
        <source>Scope: %(src)s, %(n)s.</source>
        <translation>Bereich: %(src)s, %(n)s.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="702"/>
        <source>Linked: %s.</source>
        <translation>Verknüpft: %s.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="709"/>
        <source>Cannot tell: %s.</source>
        <translation>Nicht feststellbar: %s.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="723"/>
        <location filename="../../ec_console/ui/reconcile_view.py" line="725"/>
        <source>Select a finding to see what was found and what to do.</source>
        <translation>Wählen Sie einen Befund aus, um zu sehen, was gefunden wurde und was zu tun ist.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="727"/>
        <source>Not told by its probe (not counted in the sample):</source>
        <translation>Von der Prüfung nicht beantwortet (in der Stichprobe nicht gezählt):</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="730"/>
        <source>Notes:</source>
        <translation>Hinweise:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="746"/>
        <source>— cannot tell</source>
        <translation>— nicht feststellbar</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="747"/>
        <source>— %s found; the rest cannot be told</source>
        <translation>— %s gefunden; der Rest ist nicht feststellbar</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="753"/>
        <source> (%s shown)</source>
        <translation> (%s angezeigt)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="778"/>
        <source>The fix (%s)</source>
        <translation>Die Lösung (%s)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="779"/>
        <source>What to do</source>
        <translation>Was zu tun ist</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="779"/>
        <source>What to do, and the platform step</source>
        <translation>Was zu tun ist, und der Schritt auf der Plattform</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="780"/>
        <source>Diagnosis %s; the fix</source>
        <translation>Diagnose %s; die Lösung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="785"/>
        <source>Done here: %s</source>
        <translation>Hier erledigt: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="833"/>
        <source>Linking %s…</source>
        <translation>Wird verknüpft: %s…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="839"/>
        <location filename="../../ec_console/ui/reconcile_view.py" line="943"/>
        <source>Linked</source>
        <translation>Verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="841"/>
        <source>Try again later: %s</source>
        <translation>Später erneut versuchen: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="843"/>
        <source>Not linked: %s</source>
        <translation>Nicht verknüpft: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="845"/>
        <source>Linked %(n)s of %(m)s.</source>
        <translation>%(n)s von %(m)s verknüpft.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="850"/>
        <source>Nothing was linked: %s</source>
        <translation>Nichts wurde verknüpft: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="873"/>
        <source>Revoking %s…</source>
        <translation>Wird widerrufen: %s…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="876"/>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="876"/>
        <source>Already revoked</source>
        <translation>Bereits widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="879"/>
        <source>Revoked %s. Do the platform step shown for each account too.</source>
        <translation>%s widerrufen. Führen Sie für jedes Konto auch den angezeigten Schritt auf der Plattform aus.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="884"/>
        <source>Nothing was revoked: %s</source>
        <translation>Nichts wurde widerrufen: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="896"/>
        <source>Relinking %s…</source>
        <translation>Wird erneut verknüpft: %s…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="901"/>
        <source>Relinked</source>
        <translation>Erneut verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="902"/>
        <source>Still failing: %s</source>
        <translation>Schlägt weiterhin fehl: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="904"/>
        <source>Relinked %(n)s of %(m)s.</source>
        <translation>%(n)s von %(m)s erneut verknüpft.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="910"/>
        <source>Nothing was relinked: %s</source>
        <translation>Nichts wurde erneut verknüpft: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="918"/>
        <source>The fix for %s was copied.</source>
        <translation>Die Lösung für %s wurde kopiert.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="938"/>
        <source>Application</source>
        <translation>Anwendung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="939"/>
        <source>Platform</source>
        <translation>Plattform</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="940"/>
        <source>Reconciled at (UTC)</source>
        <translation>Abgeglichen am (UTC)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="940"/>
        <source>Reconciliation</source>
        <translation>Abgleich</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="941"/>
        <source>Scope</source>
        <translation>Bereich</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="942"/>
        <source>cannot tell</source>
        <translation>nicht feststellbar</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="948"/>
        <source>cannot tell: %s</source>
        <translation>nicht feststellbar: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="950"/>
        <source>Cannot tell: %s</source>
        <translation>Nicht feststellbar: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="952"/>
        <source>The sample</source>
        <translation>Die Stichprobe</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="953"/>
        <source>Note</source>
        <translation>Hinweis</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="963"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="963"/>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel-Arbeitsmappen (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="964"/>
        <source>Export the reconciliation</source>
        <translation>Abgleich exportieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="974"/>
        <source>Findings</source>
        <translation>Befunde</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="974"/>
        <source>Summary</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="974"/>
        <source>Item</source>
        <translation>Eintrag</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="974"/>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="975"/>
        <source>%(path)s cannot be written: %(error)s</source>
        <translation>%(path)s kann nicht geschrieben werden: %(error)s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="991"/>
        <source>Exported %(n)s to %(path)s</source>
        <translation>%(n)s nach %(path)s exportiert</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="992"/>
        <source>finding</source>
        <translation>Befund</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="992"/>
        <source>findings</source>
        <translation>Befunde</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="994"/>
        <source>Exporting…</source>
        <translation>Wird exportiert…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="996"/>
        <source>Not exported: %s</source>
        <translation>Nicht exportiert: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="1014"/>
        <source>%s unknown</source>
        <translation>%s unbekannt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="1031"/>
        <source>Reconciliation: %(changes)s since %(day)s</source>
        <translation>Abgleich: %(changes)s seit %(day)s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="1039"/>
        <source>Reconciled on %(day)s: %(counts)s</source>
        <translation>Abgeglichen am %(day)s: %(counts)s</translation>
    </message>
</context>
<context>
    <name>RemoveApplicationDialog</name>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="552"/>
        <source>Remove application</source>
        <translation>Anwendung entfernen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="553"/>
        <source>Remove application — %s</source>
        <translation>Anwendung entfernen – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="564"/>
        <source>&lt;p&gt;&lt;b&gt;%(name)s&lt;/b&gt; (%(platform)s · %(domain)s) is revoked. Removing it deletes it from this console with its calendar profiles and stored checks.&lt;/p&gt;&lt;p&gt;Its history (settings, profiles, checks and audit entries) is first written to the file below. The audit log keeps its entries and records the removal with the file&apos;s checksum.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;%(name)s&lt;/b&gt; (%(platform)s · %(domain)s) ist widerrufen. Beim Entfernen wird die Anwendung mit ihren Kalenderprofilen und gespeicherten Prüfungen aus dieser Konsole gelöscht.&lt;/p&gt;&lt;p&gt;Ihr Verlauf (Einstellungen, Profile, Prüfungen und Protokolleinträge) wird zuerst in die Datei unten geschrieben. Das Überwachungsprotokoll behält seine Einträge und hält das Entfernen mit der Prüfsumme der Datei fest.&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="575"/>
        <source>File for the history export</source>
        <translation>Datei für den Export des Verlaufs</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="577"/>
        <source>C&amp;hoose…</source>
        <translation>&amp;Auswählen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="580"/>
        <source>&amp;Export to:</source>
        <translation>E&amp;xportieren nach:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="586"/>
        <source>Type the application&apos;s name, &lt;b&gt;%s&lt;/b&gt;, to confirm:</source>
        <translation>Geben Sie zur Bestätigung den Namen der Anwendung ein, &lt;b&gt;%s&lt;/b&gt;:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="591"/>
        <source>Application name, to confirm</source>
        <translation>Name der Anwendung zur Bestätigung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="595"/>
        <source>&amp;Remove application</source>
        <translation>Anwendung &amp;entfernen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="598"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="616"/>
        <source>Export the history</source>
        <translation>Verlauf exportieren</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="617"/>
        <source>JSON files (*.json)</source>
        <translation>JSON-Dateien (*.json)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="628"/>
        <source>Nothing</source>
        <translation>Nichts</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="632"/>
        <source>choose the export file</source>
        <translation>die Exportdatei auswählen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="634"/>
        <source>type the name</source>
        <translation>den Namen eingeben</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="635"/>
        <source>To remove: %s.</source>
        <translation>Zum Entfernen: %s.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="635"/>
        <source> and </source>
        <translation> und </translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="641"/>
        <source>Exporting the history, then removing…</source>
        <translation>Der Verlauf wird exportiert, danach wird entfernt…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/edit_application.py" line="654"/>
        <source>Nothing was removed: %s</source>
        <translation>Nichts wurde entfernt: %s</translation>
    </message>
</context>
<context>
    <name>RevokeApplicationDialog</name>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="47"/>
        <source>Revoke application</source>
        <translation>Anwendung widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="48"/>
        <source>Revoke application — %s</source>
        <translation>Anwendung widerrufen – %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="63"/>
        <source>&lt;p&gt;Revoking &lt;b&gt;%(name)s&lt;/b&gt; (%(platform)s · %(domain)s) ends this console&apos;s use of its grant: the secret is deleted from the keychain, and the application and all its calendar profiles are marked revoked. The access itself is withdrawn at the platform, in %(steps)s.&lt;/p&gt;</source>
        <translation>&lt;p&gt;Mit dem Widerruf von &lt;b&gt;%(name)s&lt;/b&gt; (%(platform)s · %(domain)s) verwendet diese Konsole ihre Berechtigung nicht mehr: Das Geheimnis wird aus dem Schlüsselbund gelöscht, und die Anwendung und alle ihre Kalenderprofile werden als widerrufen markiert. Den Zugriff selbst entziehen Sie auf der Plattform, in %(steps)s.&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="67"/>
        <source>step 1</source>
        <translation>Schritt 1</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="68"/>
        <source>steps 1–%d</source>
        <translation>den Schritten 1–%d</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="76"/>
        <source>At the platform: withdraw the grant</source>
        <translation>Auf der Plattform: die Berechtigung entziehen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="86"/>
        <source>Link</source>
        <translation>Link</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="86"/>
        <source>Command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="98"/>
        <source>Steps to revoke the application</source>
        <translation>Schritte zum Widerrufen der Anwendung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="106"/>
        <source>&amp;Revoke application</source>
        <translation>Anwendung &amp;widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="109"/>
        <location filename="../../ec_console/ui/revoke_application.py" line="141"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="125"/>
        <source>%d. Verify the withdrawal</source>
        <translation>%d. Entzug prüfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="126"/>
        <source>Once the platform steps are done, probe an account with the stored secret: access must now be denied. Platform changes can take a while to apply.</source>
        <translation>Sobald die Schritte auf der Plattform erledigt sind, prüfen Sie ein Konto mit dem gespeicherten Geheimnis: Der Zugriff muss jetzt verweigert werden. Änderungen auf der Plattform können eine Weile dauern, bis sie wirksam werden.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="133"/>
        <source>Account to verify with</source>
        <translation>Konto für die Prüfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="135"/>
        <source>a linked account</source>
        <translation>ein verknüpftes Konto</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="136"/>
        <source>&amp;Account:</source>
        <translation>&amp;Konto:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="138"/>
        <source>&amp;Verify withdrawal</source>
        <translation>Entzug &amp;prüfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="143"/>
        <source>Cancel the verification</source>
        <translation>Prüfung abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="154"/>
        <source>Verification result</source>
        <translation>Ergebnis der Prüfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="162"/>
        <source>&amp;Skip verification (the audit log records that it was skipped)</source>
        <translation>Prüfung ü&amp;berspringen (das Überwachungsprotokoll hält fest, dass sie übersprungen wurde)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="172"/>
        <source>%d. Confirm</source>
        <translation>%d. Bestätigen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="173"/>
        <source>Type the application&apos;s name, &lt;b&gt;%s&lt;/b&gt;, to confirm:</source>
        <translation>Geben Sie zur Bestätigung den Namen der Anwendung ein, &lt;b&gt;%s&lt;/b&gt;:</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="178"/>
        <source>Application name, to confirm</source>
        <translation>Name der Anwendung zur Bestätigung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="190"/>
        <source>Probing… (expecting a denial)</source>
        <translation>Wird geprüft… (eine Verweigerung wird erwartet)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="215"/>
        <source>Withdrawal verified: access is denied.</source>
        <translation>Entzug bestätigt: Der Zugriff wird verweigert.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="217"/>
        <source>Not withdrawn yet: the calendar still answers. Finish step 1 (or wait for it to apply) and verify again. Nothing is revoked unless you skip the verification.</source>
        <translation>Noch nicht entzogen: Der Kalender antwortet weiterhin. Schließen Sie Schritt 1 ab (oder warten Sie, bis er wirksam wird), und prüfen Sie erneut. Es wird nichts widerrufen, solange Sie die Prüfung nicht überspringen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="220"/>
        <source>%s Fix that (or name another account) and verify again. Nothing is revoked unless you skip the verification.</source>
        <translation>%s Beheben Sie das (oder geben Sie ein anderes Konto an), und prüfen Sie erneut. Es wird nichts widerrufen, solange Sie die Prüfung nicht überspringen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="222"/>
        <source>Could not verify the withdrawal.</source>
        <translation>Der Entzug konnte nicht geprüft werden.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="228"/>
        <source>The withdrawal could not be verified: %s</source>
        <translation>Der Entzug konnte nicht geprüft werden: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="233"/>
        <source>Verification cancelled.</source>
        <translation>Prüfung abgebrochen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="250"/>
        <source>Revoking…</source>
        <translation>Wird widerrufen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="268"/>
        <source>Nothing was revoked: %s</source>
        <translation>Nichts wurde widerrufen: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="280"/>
        <source>Nothing</source>
        <translation>Nichts</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="285"/>
        <source>verify the withdrawal or skip it</source>
        <translation>den Entzug prüfen oder die Prüfung überspringen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="287"/>
        <source>type the name</source>
        <translation>den Namen eingeben</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="288"/>
        <source>To revoke: %s.</source>
        <translation>Zum Widerrufen: %s.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/revoke_application.py" line="288"/>
        <source> and </source>
        <translation> und </translation>
    </message>
</context>
<context>
    <name>RevokeProfilesDialog</name>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="507"/>
        <source>Confirm revoke</source>
        <translation>Widerruf bestätigen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="510"/>
        <source>Revoke profiles</source>
        <translation>Profile widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="510"/>
        <source>Revoke profile</source>
        <translation>Profil widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="511"/>
        <source>Revoke %d calendar profiles?</source>
        <translation>%d Kalenderprofile widerrufen?</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="512"/>
        <source>Revoke the calendar profile %s?</source>
        <translation>Das Kalenderprofil %s widerrufen?</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="515"/>
        <source>… and %d more</source>
        <translation>… und %d weitere</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="516"/>
        <source>The console records them as revoked and stops checking them. To withdraw the application&apos;s access at the platform too, follow the step in each profile&apos;s details. A revoked profile can be relinked later.</source>
        <translation>Die Konsole vermerkt sie als widerrufen und prüft sie nicht mehr. Um den Zugriff der Anwendung auch auf der Plattform zu entziehen, folgen Sie dem Schritt in den Details des jeweiligen Profils. Ein widerrufenes Profil kann später erneut verknüpft werden.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="521"/>
        <source>&amp;Revoke %d profiles</source>
        <translation>%d Profile &amp;widerrufen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/profile_details.py" line="521"/>
        <source>&amp;Revoke profile</source>
        <translation>Profil &amp;widerrufen</translation>
    </message>
</context>
<context>
    <name>RunPanel</name>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="70"/>
        <source>about %s min left</source>
        <translation>noch etwa %s min</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="71"/>
        <source>about %s s left</source>
        <translation>noch etwa %s s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="89"/>
        <source>%s not checked: %s</source>
        <translation>%s nicht geprüft: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="96"/>
        <source>%s linked</source>
        <translation>%s verknüpft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="98"/>
        <source>%s needs relink</source>
        <translation>%s erneut zu verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="99"/>
        <source>%s need relink</source>
        <translation>%s erneut zu verknüpfen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="102"/>
        <source>%s unchanged</source>
        <translation>%s unverändert</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="107"/>
        <source>%s skipped</source>
        <translation>%s übersprungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="109"/>
        <source>nothing to do</source>
        <translation>nichts zu tun</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="177"/>
        <source>Progress of the running check</source>
        <translation>Fortschritt der laufenden Prüfung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="182"/>
        <source>Run progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="185"/>
        <source>Run progress bar</source>
        <translation>Fortschrittsbalken</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="188"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="190"/>
        <source>Cancel the running check</source>
        <translation>Laufende Prüfung abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="228"/>
        <source>%s: starting…</source>
        <translation>%s: wird gestartet…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="290"/>
        <source>%(title)s: %(done)s of %(total)s</source>
        <translation>%(title)s: %(done)s von %(total)s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="302"/>
        <source>cancelling…</source>
        <translation>wird abgebrochen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="329"/>
        <source>%(title)s cancelled in %(region)s after %(done)s of %(total)s</source>
        <translation>%(title)s in %(region)s nach %(done)s von %(total)s abgebrochen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="334"/>
        <source>%(title)s finished in %(region)s: %(total)s probed</source>
        <translation>%(title)s in %(region)s beendet: %(total)s geprüft</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="340"/>
        <source>; an application itself failed (%s): see the applications list</source>
        <translation>; eine Anwendung selbst ist fehlgeschlagen (%s): siehe Anwendungsliste</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="345"/>
        <source>; stopped: %(n)s result could not be saved in the registry (%(error)s), run it again to finish</source>
        <translation>; angehalten: %(n)s Ergebnis konnte nicht im Register gespeichert werden (%(error)s). Starten Sie die Prüfung erneut, um sie abzuschließen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="347"/>
        <source>; stopped: %(n)s results could not be saved in the registry (%(error)s), run it again to finish</source>
        <translation>; angehalten: %(n)s Ergebnisse konnten nicht im Register gespeichert werden (%(error)s). Starten Sie die Prüfung erneut, um sie abzuschließen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="361"/>
        <source>; %(n)s application not checked, no credential in this desktop&apos;s keychain (%(names)s): Tools › Import credential…</source>
        <translation>; %(n)s Anwendung nicht geprüft, keine Anmeldeinformationen im Schlüsselbund dieses Computers (%(names)s): Extras › Anmeldeinformationen importieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="363"/>
        <source>; %(n)s applications not checked, no credential in this desktop&apos;s keychain (%(names)s): Tools › Import credential…</source>
        <translation>; %(n)s Anwendungen nicht geprüft, keine Anmeldeinformationen im Schlüsselbund dieses Computers (%(names)s): Extras › Anmeldeinformationen importieren…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="389"/>
        <source>Another check is still running; wait for it or cancel it</source>
        <translation>Eine andere Prüfung läuft noch. Warten Sie, bis sie beendet ist, oder brechen Sie sie ab.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="408"/>
        <source>%s did not run: %s</source>
        <translation>%s wurde nicht ausgeführt: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="413"/>
        <source>%s stopped by an unexpected error (details in the log)</source>
        <translation>%s wurde durch einen unerwarteten Fehler angehalten (Details im Protokoll)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/check_all.py" line="421"/>
        <source>%s did not start (details in the log)</source>
        <translation>%s wurde nicht gestartet (Details im Protokoll)</translation>
    </message>
</context>
<context>
    <name>ScopePage</name>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="724"/>
        <source>Which calendars may the application reach?</source>
        <translation>Welche Kalender darf die Anwendung erreichen?</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="725"/>
        <source>The commands below are filled in with the names you entered; copy them for your administrator.</source>
        <translation>Die Befehle unten sind mit den eingegebenen Namen ausgefüllt; kopieren Sie sie für Ihren Administrator.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="739"/>
        <source>How to set up the scope</source>
        <translation>So richten Sie den Bereich ein</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="970"/>
        <source>Setup wizard</source>
        <translation>Einrichtungsassistent</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="987"/>
        <source>Move %s to Microsoft Graph</source>
        <translation>%s zu Microsoft Graph verschieben</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="990"/>
        <source>Edit %s</source>
        <translation>%s bearbeiten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="993"/>
        <source>Add connection</source>
        <translation>Verbindung hinzufügen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="1060"/>
        <source>Save the new certificate and its private key</source>
        <translation>Neues Zertifikat und privaten Schlüssel speichern</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="1061"/>
        <source>PEM files (*.pem)</source>
        <translation>PEM-Dateien (*.pem)</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="1105"/>
        <source>Nothing was saved: %s</source>
        <translation>Es wurde nichts gespeichert: %s</translation>
    </message>
</context>
<context>
    <name>SignInBox</name>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="82"/>
        <location filename="../../ec_console/ui/wizard.py" line="621"/>
        <source>&amp;Sign in as administrator…</source>
        <translation>Als &amp;Administrator anmelden…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="623"/>
        <source>Sign in as administrator</source>
        <translation>Als Administrator anmelden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="624"/>
        <source>Opens the browser to sign in with Google; fills in the administrator when a super administrator signs in</source>
        <translation>Öffnet den Browser zur Anmeldung bei Google; trägt den Administrator ein, wenn sich ein Super Admin anmeldet</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="626"/>
        <location filename="../../ec_console/ui/wizard.py" line="628"/>
        <source>Cancel sign-in</source>
        <translation>Anmeldung abbrechen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="653"/>
        <source>Pick your organisation&apos;s OAuth client file first (above).</source>
        <translation>Wählen Sie zuerst (oben) die OAuth-Clientdatei Ihrer Organisation aus.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="673"/>
        <source>Waiting for the sign-in in your browser…</source>
        <translation>Warten auf die Anmeldung in Ihrem Browser…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="681"/>
        <source>Cancelling the sign-in…</source>
        <translation>Die Anmeldung wird abgebrochen…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="691"/>
        <source>Sign-in address</source>
        <translation>Anmeldeadresse</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="698"/>
        <source>The sign-in was cancelled.</source>
        <translation>Die Anmeldung wurde abgebrochen.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="703"/>
        <source>Signed in as %s, a super administrator.</source>
        <translation>Angemeldet als %s, ein Super Admin.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="706"/>
        <location filename="../../ec_console/ui/wizard.py" line="711"/>
        <source>Sign-in did not succeed: %s</source>
        <translation>Die Anmeldung ist nicht gelungen: %s</translation>
    </message>
</context>
<context>
    <name>StepList</name>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="253"/>
        <source>Command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="254"/>
        <source>Link</source>
        <translation>Link</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="309"/>
        <source>Steps of the check</source>
        <translation>Schritte der Prüfung</translation>
    </message>
</context>
<context>
    <name>StepRow</name>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="38"/>
        <source>Waiting</source>
        <translation>Wartet</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="39"/>
        <source>Running…</source>
        <translation>Läuft…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="40"/>
        <source>Passed</source>
        <translation>Bestanden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="41"/>
        <source>Warning</source>
        <translation>Warnung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="42"/>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="43"/>
        <source>Skipped</source>
        <translation>Übersprungen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="157"/>
        <source>Details of “%s”</source>
        <translation>Details zu „%s“</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="158"/>
        <source>Show or hide the details</source>
        <translation>Details ein- oder ausblenden</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="217"/>
        <source>Cause</source>
        <translation>Ursache</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/step_list.py" line="217"/>
        <source>Fix</source>
        <translation>Behebung</translation>
    </message>
</context>
<context>
    <name>SummaryPage</name>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="923"/>
        <source>Summary</source>
        <translation>Zusammenfassung</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="924"/>
        <source>Finish stores the application as below.</source>
        <translation>„Abschließen“ speichert die Anwendung wie unten angegeben.</translation>
    </message>
</context>
<context>
    <name>TestPage</name>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="779"/>
        <source>Test the access</source>
        <translation>Zugriff testen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="780"/>
        <source>The console checks, step by step, that the application reaches the test mailbox — and that the restriction holds.</source>
        <translation>Die Konsole prüft Schritt für Schritt, dass die Anwendung das Testpostfach erreicht – und dass die Einschränkung greift.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="790"/>
        <source>&amp;Retry</source>
        <translation>Test wieder&amp;holen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="792"/>
        <source>Retry the test</source>
        <translation>Test wiederholen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="794"/>
        <source>S&amp;top</source>
        <translation>A&amp;nhalten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="796"/>
        <source>Stop the test</source>
        <translation>Test anhalten</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="798"/>
        <source>Save &amp;anyway — record that the test failed</source>
        <translation>&amp;Trotzdem speichern – fehlgeschlagenen Test vermerken</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="800"/>
        <source>Save anyway</source>
        <translation>Trotzdem speichern</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="831"/>
        <source>; then that &lt;b&gt;%s&lt;/b&gt; is denied</source>
        <translation>; dann, dass &lt;b&gt;%s&lt;/b&gt; abgewiesen wird</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="833"/>
        <source>&lt;b&gt;Legacy EWS.&lt;/b&gt; %s</source>
        <translation>&lt;b&gt;Veraltetes EWS.&lt;/b&gt; %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="835"/>
        <source>Checks &lt;b&gt;%s&lt;/b&gt;</source>
        <translation>Prüft &lt;b&gt;%s&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="849"/>
        <source>Testing…</source>
        <translation>Wird getestet…</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="879"/>
        <source>Passed with warnings: read them before you go on.</source>
        <translation>Mit Warnungen bestanden: Lesen Sie sie, bevor Sie fortfahren.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="880"/>
        <source>Passed: the application reaches the calendars as planned.</source>
        <translation>Bestanden: Die Anwendung erreicht die Kalender wie geplant.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="884"/>
        <source>a step failed</source>
        <translation>ein Schritt ist fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="885"/>
        <source>Failed: %s</source>
        <translation>Fehlgeschlagen: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="886"/>
        <source>The test was stopped before it finished.</source>
        <translation>Der Test wurde vor seinem Ende angehalten.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="887"/>
        <source> Fix it and Retry, or save anyway.</source>
        <translation> Beheben Sie den Fehler und wiederholen Sie den Test, oder speichern Sie trotzdem.</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="894"/>
        <source>The test could not run: %s</source>
        <translation>Der Test konnte nicht ausgeführt werden: %s</translation>
    </message>
    <message>
        <location filename="../../ec_console/ui/wizard.py" line="900"/>
        <source>The test was stopped.</source>
        <translation>Der Test wurde angehalten.</translation>
    </message>
</context>
<context>
    <name>_Section</name>
    <message>
        <location filename="../../ec_console/ui/reconcile_view.py" line="302"/>
        <source>Warning</source>
        <translation>Warnung</translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <location filename="../../ec_console/ui/screenshots.py" line="244"/>
        <source>Not revoked: </source>
        <translation type="unfinished">Nicht widerrufen: </translation>
    </message>
</context>
</TS>
