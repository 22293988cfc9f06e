package io.tributary.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.config.ConfigException;
import io.tributary.config.ConfigLoader;
import io.tributary.config.OptionGroup;
import io.tributary.config.TributaryConfig;
import io.tributary.format.EventSchema;
import io.tributary.format.FormatOptions;
import io.tributary.iceberg.PartitionSpecs;
import io.tributary.jobs.TributaryJob;
import io.tributary.jobs.TributaryOptions;
import io.tributary.source.SourceOptions.SourceType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * deploy/msf-application.yaml, checked without an AWS account: every reference resolves, the
 * service role grants nothing beyond what the template creates (plus an explicit, reasoned
 * allow-list), the bucket and the application are set up safely, and the runtime properties pass
 * the same start-up checks the job runs on MSF. Each checker is also run on broken copies of the
 * template, so none of them can pass by checking nothing.
 *
 * <p>The YAML is read with snakeyaml-engine (it comes with flink-core, Flink 1.20's config.yaml
 * parser). It rejects CloudFormation's short-form tags (!Ref, !Sub) instead of misreading them,
 * which is why the template uses the long forms.
 */
class MsfTemplateTest {
  static final Path TEMPLATE = Path.of("..", "deploy", "msf-application.yaml");

  /** The keys of the {@code kinesis} group the template sets: no more than these. */
  private static final Set<String> ANNOUNCED_KINESIS_KEYS = Set.of("stream", "region", "start");

  private static final Set<String> ANNOUNCED_KINESIS_STARTS =
      Set.of("trim-horizon", "latest", "at-timestamp");

  /** Pseudo parameters, with the value each stands for when runtime properties are resolved. */
  private static final Map<String, String> PSEUDO =
      Map.of(
          "AWS::Region", "eu-west-1",
          "AWS::AccountId", "123456789012",
          "AWS::Partition", "aws",
          "AWS::StackName", "tributary",
          "AWS::StackId",
              "arn:aws:cloudformation:eu-west-1:123456789012:stack/tributary/00000000-0000",
          "AWS::URLSuffix", "amazonaws.com",
          "AWS::NoValue", "");

  /** Physical names standing in for what CloudFormation generates. */
  private static final String BUCKET = "tributary-test-bucket";

  private static final String STREAM = "tributary-test-stream";

  /** Fn::GetAtt attributes of the resource types the template reads attributes of. */
  private static final Map<String, Set<String>> ATTRIBUTES =
      Map.of(
          "AWS::S3::Bucket",
              Set.of("Arn", "DomainName", "RegionalDomainName", "DualStackDomainName"),
          "AWS::Kinesis::Stream", Set.of("Arn"),
          "AWS::IAM::Role", Set.of("Arn", "RoleId"),
          "AWS::Logs::LogGroup", Set.of("Arn"));

  private static final Set<String> INTRINSICS =
      Set.of(
          "Ref",
          "Condition",
          "Fn::Sub",
          "Fn::GetAtt",
          "Fn::If",
          "Fn::Equals",
          "Fn::Not",
          "Fn::And",
          "Fn::Or",
          "Fn::Join",
          "Fn::Select",
          "Fn::Split");

  /** An allowance: the only actions it covers, and why it is needed at all. */
  private static final class Allowed {
    final Set<String> actions;
    final String conditionKey;
    final String reason;

    Allowed(Set<String> actions, String conditionKey, String reason) {
      this.actions = actions;
      this.conditionKey = conditionKey;
      this.reason = reason;
    }
  }

  /**
   * Actions that take Resource "*" only, each with the condition key that must narrow it. Empty:
   * the role needs none (MSF publishes the application's metrics itself).
   */
  private static final Map<String, Allowed> STAR_RESOURCE = Map.of();

  /**
   * Resources the template does not create that the role may still name, by their exact expression
   * ({@code Fn::Sub} text, or {@code Ref NAME}), for these actions only.
   */
  private static final Map<String, Allowed> FOREIGN_RESOURCES =
      Map.of(
          "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog",
          new Allowed(
              Set.of("glue:GetDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable"),
              null,
              "Glue authorizes every database and table call against the account's catalog as"
                  + " well."),
          "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*",
          new Allowed(
              Set.of("logs:DescribeLogGroups"),
              null,
              "A list call that cannot be scoped to one group; MSF's logging setup asks for it;"
                  + " it returns names, no log data."),
          "arn:${AWS::Partition}:s3:::${JarBucket}/${JarKey}",
          new Allowed(
              Set.of("s3:GetObject", "s3:GetObjectVersion"),
              null,
              "The jar may sit in a bucket the stack does not own: that one object, read only."),
          "Ref KmsKeyArn",
          new Allowed(
              Set.of("kms:Decrypt", "kms:GenerateDataKey"),
              "kms:ViaService",
              "The user's own key, granted only when passed, only through S3 and Kinesis."));

  // ---------------------------------------------------------------- the template as it is

  @Test
  void everyReferenceNamesSomethingDeclared() throws IOException {
    assertThat(referenceProblems(template())).isEmpty();
  }

  @Test
  void theRoleGrantsOnlyWhatTheTemplateCreates() throws IOException {
    assertThat(iamProblems(template())).isEmpty();
  }

  @Test
  void theBucketIsVersionedEncryptedPrivateAndTlsOnly() throws IOException {
    assertThat(bucketProblems(template())).isEmpty();
  }

  @Test
  void theApplicationRunsFlink120WithSnapshotsAndCheckpoints() throws IOException {
    assertThat(applicationProblems(template())).isEmpty();
  }

  @Test
  void everyParameterIsUsedAndItsDefaultIsAllowed() throws IOException {
    assertThat(parameterProblems(template())).isEmpty();
  }

  @Test
  void kmsRightsExistOnlyWithACustomerKey() throws IOException {
    List<Object> statements = roleStatements(template());
    List<Object> kms =
        statements.stream()
            .filter(s -> String.valueOf(s).contains("kms:"))
            .collect(Collectors.toList());
    assertThat(kms).hasSize(1);
    List<Object> branches = list(map(kms.get(0)).get("Fn::If"));
    assertThat(branches.get(0)).isEqualTo("HasKmsKey");
    assertThat(branches.get(2)).isEqualTo(Map.of("Ref", "AWS::NoValue"));
  }

  @Test
  void theRoleCoversWhatTheJobIsConfiguredToUse() throws IOException {
    Map<String, Object> t = template();
    Map<String, Map<String, Object>> groups = rawPropertyGroups(t);
    // The warehouse the job writes is the prefix the role may write.
    Object warehouse = groups.get("iceberg").get("warehouse");
    assertThat(warehouse).isEqualTo(Map.of("Fn::Sub", "s3://${Bucket}/warehouse"));
    assertThat(grantsOn(t, Map.of("Fn::Sub", "${Bucket.Arn}/warehouse/*")))
        .contains("s3:GetObject", "s3:PutObject", "s3:DeleteObject");
    // The stream the job reads is the one the role may read.
    assertThat(groups.get("kinesis").get("stream"))
        .isEqualTo(Map.of("Fn::GetAtt", List.of("Stream", "Arn")));
    assertThat(grantsOn(t, Map.of("Fn::GetAtt", List.of("Stream", "Arn"))))
        .contains("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards");
    // The database the job writes is the one the role may change tables in.
    assertThat(groups.get("iceberg").get("database")).isEqualTo(Map.of("Ref", "GlueDatabase"));
    assertThat(
            grantsOn(
                t,
                Map.of(
                    "Fn::Sub",
                    "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/"
                        + "${GlueDatabase}/*")))
        .contains("glue:CreateTable", "glue:UpdateTable");
    assertThat(groups.get("iceberg").get("catalog.type")).isEqualTo("glue");
  }

  @Test
  void glueNamesAreLowerCaseLettersDigitsAndUnderscores(@TempDir Path dir) throws IOException {
    Map<String, Object> t = template();
    Map<String, Map<String, String>> groups = msfGroups(t, dir);
    assertThat(groups.get("iceberg").get("database")).matches("[a-z0-9_]+");
    assertThat(groups.get("iceberg").get("table")).matches("[a-z0-9_]+");
    for (String p : List.of("GlueDatabaseName", "TableName")) {
      Pattern allowed = Pattern.compile((String) param(t, p).get("AllowedPattern"));
      assertThat(allowed.matcher("events_2026").matches()).as(p).isTrue();
      for (String bad : List.of("Events", "my-db", "my.db", "")) {
        assertThat(allowed.matcher(bad).matches()).as(p + " rejects '" + bad + "'").isFalse();
      }
    }
  }

  @Test
  void runtimePropertiesPassTheJobsStartUpChecks(@TempDir Path dir) throws IOException {
    TributaryJob job = startUp(msfGroups(template(), dir));
    assertThat(job.name()).isEqualTo("ingest");
    assertThat(job.table().name()).isEqualTo("events");
    assertThat(job.catalog().toString()).startsWith("glue");
    assertThat(job.catalog().database()).isEqualTo("tributary");
  }

  @Test
  void kinesisGroupsPassTheStrictStartUpChecks(@TempDir Path dir) throws IOException {
    assertThat(Arrays.stream(SourceType.values()).map(Object::toString)).contains("kinesis");
    Map<String, Map<String, String>> groups = msfGroups(template(), dir);
    assertThat(TributaryOptions.ALL.stream().map(OptionGroup::id)).contains("kinesis");
    TributaryJob job = startUp(groups);
    assertThat(job.source().describe()).containsIgnoringCase("kinesis");
  }

  @Test
  void kinesisGroupKeepsToTheAnnouncedKeys(@TempDir Path dir) throws IOException {
    Map<String, Object> t = template();
    Map<String, Map<String, String>> groups = msfGroups(t, dir);
    assertThat(groups.get("source")).containsEntry("type", "kinesis");
    Map<String, String> kinesis = groups.get("kinesis");
    assertThat(ANNOUNCED_KINESIS_KEYS).containsAll(kinesis.keySet());
    assertThat(kinesis.get("stream"))
        .isEqualTo("arn:aws:kinesis:eu-west-1:123456789012:stream/" + STREAM);
    assertThat(kinesis.get("region")).isEqualTo(PSEUDO.get("AWS::Region"));
    assertThat(ANNOUNCED_KINESIS_STARTS).contains(kinesis.get("start"));
    assertThat(ANNOUNCED_KINESIS_STARTS)
        .containsAll(strings(param(t, "KinesisStart").get("AllowedValues")));
  }

  // ---------------------------------------------------------------- broken copies are caught

  @Test
  void shortFormTagsAreRejectedNotMisread() {
    assertThatThrownBy(() -> parse("Value: !Ref Bucket")).hasMessageContaining("!Ref");
  }

  @Test
  void brokenReferencesAreCaught() throws IOException {
    Map<String, Object> t = template();
    props(t, "BucketPolicy").put("Bucket", Map.of("Ref", "MissingBucket"));
    props(t, "LogGroup")
        .put("LogGroupName", Map.of("Fn::Sub", "/aws/kinesis-analytics/${ApplicationNmae}"));
    props(t, "Application").put("ServiceExecutionRole", Map.of("Fn::GetAtt", "Rol.Arn"));
    props(t, "Stream").put("RetentionPeriodHours", Map.of("Fn::GetAtt", List.of("Bucket", "Arns")));
    map(resource(t, "ApplicationLogging")).put("Condition", "CreateApplicaton");
    map(props(t, "Stream").get("StreamEncryption")).put("KeyId", Map.of("Fn::ImportValue", "x"));
    rawPropertyGroups(t).get("iceberg").put("warehouse", "s3://${Bucket}/warehouse");
    assertThat(String.join("\n", referenceProblems(t)))
        .contains("MissingBucket")
        .contains("ApplicationNmae")
        .contains("'Rol'")
        .contains("Arns")
        .contains("CreateApplicaton")
        .contains("Fn::ImportValue")
        .contains("s3://${Bucket}/warehouse");
  }

  @Test
  void aStarResourceOnObjectActionsIsCaught() throws IOException {
    Map<String, Object> t = template();
    statement(t, "ReadWriteWarehouse").put("Resource", "*");
    assertThat(iamProblems(t)).anySatisfy(p -> assertThat(p).contains("s3:GetObject", "\"*\""));
  }

  @Test
  void looseGrantsAreCaught() throws IOException {
    Map<String, Object> t = template();
    statement(t, "ReadWriteWarehouse").put("Action", List.of("s3:*"));
    statement(t, "ReadStream").put("Resource", List.of(Map.of("Fn::Sub", "${Stream.Arn}*")));
    statement(t, "ReadApplicationJar")
        .put("Resource", List.of("arn:aws:s3:::someone-elses-bucket/*"));
    statement(t, "WriteApplicationLogs")
        .put(
            "Resource",
            Map.of("Fn::Sub", "arn:${AWS::Partition}:logs:*:${AWS::AccountId}:${LogGroup}"));
    statement(t, "GlueTables").put("Action", List.of("glue:GetTable", "glue:DeleteDatabase"));
    statement(t, "ListWarehouse").remove("Condition");
    Object policy = list(props(t, "ServiceRole").get("Policies")).get(0);
    list(map(map(policy).get("PolicyDocument")).get("Statement"))
        .add(
            new LinkedHashMap<>(
                Map.of("Effect", "Allow", "Action", "cloudwatch:PutMetricData", "Resource", "*")));
    statement(t, "ReadStreamEnhancedFanOut").put("NotResource", List.of("x"));
    String problems = String.join("\n", iamProblems(t));
    assertThat(problems)
        .contains("wildcard action 's3:*'")
        .contains("${Stream.Arn}*")
        .contains("someone-elses-bucket")
        .contains("logs:*:")
        .contains("glue:DeleteDatabase")
        .contains("s3:ListBucket")
        .contains("Resource \"*\" for cloudwatch:PutMetricData")
        .contains("NotResource");
  }

  @Test
  void aTrustPolicyForAnotherServiceOrAManagedPolicyIsCaught() throws IOException {
    Map<String, Object> t = template();
    Map<String, Object> role = props(t, "ServiceRole");
    Map<String, Object> trust =
        map(list(map(role.get("AssumeRolePolicyDocument")).get("Statement")).get(0));
    trust.put("Principal", Map.of("Service", "ec2.amazonaws.com"));
    role.put("ManagedPolicyArns", List.of("arn:aws:iam::aws:policy/AmazonS3FullAccess"));
    assertThat(String.join("\n", iamProblems(t)))
        .contains("ec2.amazonaws.com")
        .contains("ManagedPolicyArns");
  }

  @Test
  void anUnsafeBucketIsCaught() throws IOException {
    Map<String, Object> t = template();
    Map<String, Object> bucket = props(t, "Bucket");
    bucket.put("VersioningConfiguration", Map.of("Status", "Suspended"));
    bucket.remove("BucketEncryption");
    map(bucket.get("PublicAccessBlockConfiguration")).put("RestrictPublicBuckets", false);
    resources(t).remove("BucketPolicy");
    assertThat(String.join("\n", bucketProblems(t)))
        .contains("versioned")
        .contains("encrypted")
        .contains("RestrictPublicBuckets")
        .contains("aws:SecureTransport");
  }

  @Test
  void anApplicationWithoutSnapshotsOrCheckpointsIsCaught() throws IOException {
    Map<String, Object> t = template();
    Map<String, Object> app = props(t, "Application");
    app.put("RuntimeEnvironment", "FLINK-1_19");
    Map<String, Object> config = map(app.get("ApplicationConfiguration"));
    map(config.get("ApplicationSnapshotConfiguration")).put("SnapshotsEnabled", false);
    map(map(config.get("FlinkApplicationConfiguration")).get("CheckpointConfiguration"))
        .put("CheckpointingEnabled", false);
    resources(t).remove("ApplicationLogging");
    assertThat(String.join("\n", applicationProblems(t)))
        .contains("FLINK-1_19")
        .contains("SnapshotsEnabled")
        .contains("CheckpointingEnabled")
        .contains("logging option");
  }

  @Test
  void badParametersAreCaught() throws IOException {
    Map<String, Object> t = template();
    param(t, "TableName").put("Default", "Events");
    param(t, "StreamMode").put("Default", "SERVERLESS");
    param(t, "Parallelism").put("Default", 0);
    parameters(t).put("Forgotten", new LinkedHashMap<>(Map.of("Type", "String", "Default", "")));
    assertThat(String.join("\n", parameterProblems(t)))
        .contains("TableName")
        .contains("SERVERLESS")
        .contains("Parallelism")
        .contains("Forgotten");
  }

  @Test
  void badRuntimePropertiesFailTheStartUpChecks(@TempDir Path dir) throws IOException {
    Map<String, Object> t = template();
    Map<String, Object> iceberg = rawPropertyGroups(t).get("iceberg");
    iceberg.put("tabel", iceberg.remove("table"));
    assertThatThrownBy(() -> startUp(withoutKinesis(msfGroups(t, dir))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tabel");

    Map<String, Object> t2 = template();
    param(t2, "PartitionSpec").put("Default", "days(created_at)");
    assertThatThrownBy(() -> startUp(withoutKinesis(msfGroups(t2, dir))))
        .hasMessageContaining("created_at");
  }

  // ---------------------------------------------------------------- the start-up checks

  /**
   * Main.run's checks, in its order, short of building and running the graph: every group and
   * value, then the job's own settings. Plus the first thing IngestJob.build does on MSF, before
   * any record is read: the partition spec must fit the declared schema.
   */
  private static TributaryJob startUp(Map<String, Map<String, String>> groups) {
    TributaryConfig config = TributaryConfig.validate(groups, TributaryOptions.ALL);
    TributaryJob job = TributaryJob.fromConfig(config);
    EventSchema schema = EventSchema.fromConfig(config.group(FormatOptions.GROUP));
    PartitionSpecs.parse(
        job.table().partitionSpec(),
        FlinkSchemaUtil.convert(FlinkSchemaUtil.toResolvedSchema(schema.rowType())));
    return job;
  }

  /** Datagen stands in for the Kinesis source, which does not exist yet in this tree. */
  private static Map<String, Map<String, String>> withoutKinesis(
      Map<String, Map<String, String>> groups) {
    Map<String, Map<String, String>> copy = new LinkedHashMap<>();
    groups.forEach((g, m) -> copy.put(g, new LinkedHashMap<>(m)));
    copy.remove("kinesis");
    copy.get("source").put("type", "datagen");
    return copy;
  }

  /**
   * The property groups as the job sees them on MSF: resolved with placeholder values, written in
   * the runtime-properties JSON shape, and read back by the same reader MSF's runtime uses.
   */
  private static Map<String, Map<String, String>> msfGroups(Map<String, Object> t, Path dir)
      throws IOException {
    List<Map<String, Object>> json = new ArrayList<>();
    rawPropertyGroups(t)
        .forEach(
            (id, raw) -> {
              Map<String, String> resolved = new LinkedHashMap<>();
              raw.forEach((k, v) -> resolved.put(k, resolve(t, v)));
              json.add(Map.of("PropertyGroupId", id, "PropertyMap", resolved));
            });
    Path file = Files.createTempFile(dir, "application_properties", ".json");
    new ObjectMapper().writeValue(file.toFile(), json);
    return ConfigLoader.load(new String[] {"--config", file.toString()}).groups;
  }

  static Map<String, Map<String, Object>> rawPropertyGroups(Map<String, Object> t) {
    Map<String, Object> config = map(props(t, "Application").get("ApplicationConfiguration"));
    Map<String, Map<String, Object>> groups = new LinkedHashMap<>();
    for (Object g : list(map(config.get("EnvironmentProperties")).get("PropertyGroups"))) {
      groups.put((String) map(g).get("PropertyGroupId"), map(map(g).get("PropertyMap")));
    }
    return groups;
  }

  /** A value as CloudFormation would substitute it, with placeholders for generated names. */
  static String resolve(Map<String, Object> t, Object v) {
    if (v instanceof String || v instanceof Number || v instanceof Boolean) {
      return String.valueOf(v);
    }
    Map<String, Object> m = map(v);
    if (m.containsKey("Ref")) {
      String name = (String) m.get("Ref");
      if (PSEUDO.containsKey(name)) {
        return PSEUDO.get(name);
      }
      if (parameters(t).containsKey(name)) {
        return resolve(t, param(t, name).get("Default"));
      }
      String type = (String) resource(t, name).get("Type");
      switch (type) {
        case "AWS::S3::Bucket":
          return BUCKET;
        case "AWS::Kinesis::Stream":
          return STREAM;
        case "AWS::Glue::Database":
          return resolve(t, map(props(t, name).get("DatabaseInput")).get("Name"));
        default:
          return "placeholder-" + name.toLowerCase(java.util.Locale.ROOT);
      }
    }
    if (m.containsKey("Fn::GetAtt")) {
      String[] target = getAtt(m.get("Fn::GetAtt"));
      return arn(t, target[0]);
    }
    if (m.containsKey("Fn::Sub")) {
      Matcher vars = VAR.matcher((String) m.get("Fn::Sub"));
      StringBuilder sb = new StringBuilder();
      while (vars.find()) {
        String name = vars.group(1);
        String value =
            name.contains(".")
                ? arn(t, name.substring(0, name.indexOf('.')))
                : resolve(t, Map.of("Ref", name));
        vars.appendReplacement(sb, Matcher.quoteReplacement(value));
      }
      vars.appendTail(sb);
      return sb.toString();
    }
    throw new AssertionError("runtime property value the test cannot resolve: " + v);
  }

  private static String arn(Map<String, Object> t, String resource) {
    String type = (String) resource(t, resource).get("Type");
    switch (type) {
      case "AWS::Kinesis::Stream":
        return "arn:aws:kinesis:eu-west-1:123456789012:stream/" + STREAM;
      case "AWS::S3::Bucket":
        return "arn:aws:s3:::" + BUCKET;
      default:
        return "arn:aws:placeholder:eu-west-1:123456789012:" + resource;
    }
  }

  // ---------------------------------------------------------------- references

  private static final Pattern VAR = Pattern.compile("\\$\\{([^}!][^}]*)}");

  static List<String> referenceProblems(Map<String, Object> t) {
    List<String> problems = new ArrayList<>();
    Set<String> conditions = conditions(t).keySet();
    walk(t, "Conditions", conditions(t), true, problems);
    walk(t, "Resources", resources(t), false, problems);
    walk(t, "Outputs", map(t.getOrDefault("Outputs", Map.of())), false, problems);
    for (String section : List.of("Resources", "Outputs")) {
      map(t.getOrDefault(section, Map.of()))
          .forEach(
              (name, body) -> {
                Object c = map(body).get("Condition");
                if (c != null && !conditions.contains(c)) {
                  problems.add(section + "." + name + ": undeclared condition '" + c + "'");
                }
                Object dependsOn = map(body).get("DependsOn");
                for (String d : dependsOn == null ? List.<String>of() : strings(dependsOn)) {
                  if (!resources(t).containsKey(d)) {
                    problems.add(section + "." + name + ": DependsOn undeclared '" + d + "'");
                  }
                }
              });
    }
    return problems;
  }

  private static void walk(
      Map<String, Object> t, String where, Object node, boolean inConditions, List<String> out) {
    if (node instanceof List) {
      List<Object> l = list(node);
      for (int i = 0; i < l.size(); i++) {
        walk(t, where + "[" + i + "]", l.get(i), inConditions, out);
      }
      return;
    }
    if (node instanceof String) {
      if (((String) node).contains("${")) {
        out.add(where + ": '" + node + "' is not inside Fn::Sub, so it stays literal");
      }
      return;
    }
    if (!(node instanceof Map)) {
      return;
    }
    Map<String, Object> m = map(node);
    if (m.size() == 1) {
      String fn = m.keySet().iterator().next();
      Object arg = m.get(fn);
      if (fn.startsWith("Fn::") && !INTRINSICS.contains(fn)) {
        out.add(where + ": intrinsic " + fn + " is not one this test understands");
        return;
      }
      switch (fn) {
        case "Ref":
          checkName(t, where, String.valueOf(arg), inConditions, Set.of(), out);
          return;
        case "Condition":
          if (arg instanceof String) {
            checkCondition(t, where, (String) arg, out);
            return;
          }
          break;
        case "Fn::GetAtt":
          String[] target = getAtt(arg);
          checkAttribute(t, where, target[0], target[1], out);
          return;
        case "Fn::If":
          List<Object> branches = list(arg);
          checkCondition(t, where, String.valueOf(branches.get(0)), out);
          walk(t, where + ".then", branches.get(1), inConditions, out);
          walk(t, where + ".else", branches.get(2), inConditions, out);
          return;
        case "Fn::Sub":
          String text;
          Set<String> local = new LinkedHashSet<>();
          if (arg instanceof List) {
            text = (String) list(arg).get(0);
            Map<String, Object> vars = map(list(arg).get(1));
            local.addAll(vars.keySet());
            walk(t, where + ".vars", vars, inConditions, out);
          } else {
            text = (String) arg;
          }
          Matcher v = VAR.matcher(text);
          while (v.find()) {
            String name = v.group(1);
            if (name.contains(".") && !local.contains(name)) {
              int dot = name.indexOf('.');
              checkAttribute(t, where, name.substring(0, dot), name.substring(dot + 1), out);
            } else {
              checkName(t, where, name, inConditions, local, out);
            }
          }
          return;
        default:
          break;
      }
    }
    m.forEach((k, v) -> walk(t, where + "." + k, v, inConditions, out));
  }

  private static void checkName(
      Map<String, Object> t,
      String where,
      String name,
      boolean inConditions,
      Set<String> local,
      List<String> out) {
    boolean ok =
        PSEUDO.containsKey(name)
            || local.contains(name)
            || parameters(t).containsKey(name)
            || (!inConditions && resources(t).containsKey(name));
    if (!ok) {
      out.add(where + ": '" + name + "' is no parameter, resource or pseudo parameter");
    }
  }

  private static void checkCondition(
      Map<String, Object> t, String where, String name, List<String> out) {
    if (!conditions(t).containsKey(name)) {
      out.add(where + ": undeclared condition '" + name + "'");
    }
  }

  private static void checkAttribute(
      Map<String, Object> t, String where, String resource, String attribute, List<String> out) {
    if (!resources(t).containsKey(resource)) {
      out.add(where + ": Fn::GetAtt of undeclared resource '" + resource + "'");
      return;
    }
    String type = (String) resource(t, resource).get("Type");
    Set<String> known = ATTRIBUTES.get(type);
    if (known == null || !known.contains(attribute)) {
      out.add(
          where
              + ": "
              + type
              + " '"
              + resource
              + "' has no attribute '"
              + attribute
              + "' known"
              + " to this test");
    }
  }

  private static String[] getAtt(Object arg) {
    if (arg instanceof String) {
      String s = (String) arg;
      int dot = s.indexOf('.');
      return new String[] {
        s.substring(0, dot < 0 ? s.length() : dot), dot < 0 ? "" : s.substring(dot + 1)
      };
    }
    List<Object> l = list(arg);
    return new String[] {String.valueOf(l.get(0)), String.valueOf(l.get(1))};
  }

  // ---------------------------------------------------------------- IAM

  static List<String> iamProblems(Map<String, Object> t) {
    List<String> problems = new ArrayList<>();
    resources(t)
        .forEach(
            (name, body) -> {
              String type = (String) map(body).get("Type");
              Map<String, Object> p = map(map(body).getOrDefault("Properties", Map.of()));
              List<Object> documents = new ArrayList<>();
              switch (type) {
                case "AWS::IAM::Role":
                  if (p.containsKey("ManagedPolicyArns")) {
                    problems.add(name + ": ManagedPolicyArns grant rights this test cannot see");
                  }
                  trustProblems(name, p.get("AssumeRolePolicyDocument"), problems);
                  for (Object policy : branches(p.getOrDefault("Policies", List.of()))) {
                    documents.add(map(policy).get("PolicyDocument"));
                  }
                  break;
                case "AWS::IAM::Policy":
                case "AWS::IAM::ManagedPolicy":
                case "AWS::S3::BucketPolicy":
                  documents.add(p.get("PolicyDocument"));
                  break;
                default:
                  break;
              }
              for (Object doc : documents) {
                for (Object s : branches(map(doc).get("Statement"))) {
                  statementProblems(t, name, map(s), problems);
                }
              }
            });
    return problems;
  }

  private static void trustProblems(String role, Object document, List<String> out) {
    for (Object s : branches(map(document).get("Statement"))) {
      Map<String, Object> st = map(s);
      if (!Map.of("Service", "kinesisanalytics.amazonaws.com").equals(st.get("Principal"))
          || !"sts:AssumeRole".equals(st.get("Action"))) {
        out.add(role + ": trust policy lets " + st.get("Principal") + " " + st.get("Action"));
      }
    }
  }

  private static void statementProblems(
      Map<String, Object> t, String owner, Map<String, Object> s, List<String> out) {
    String where = owner + " statement " + s.getOrDefault("Sid", s);
    for (String not : List.of("NotAction", "NotResource", "NotPrincipal")) {
      if (s.containsKey(not)) {
        out.add(where + ": " + not + " grants everything it does not name");
      }
    }
    List<String> actions = strings(s.get("Action"));
    boolean allow = "Allow".equals(s.get("Effect"));
    if (allow) {
      actions.stream()
          .filter(a -> a.contains("*"))
          .forEach(a -> out.add(where + ": wildcard action '" + a + "'"));
      if (actions.contains("s3:ListBucket") && !mentions(s.get("Condition"), "s3:prefix")) {
        out.add(where + ": s3:ListBucket without an s3:prefix condition lists the whole bucket");
      }
    }
    List<Object> resources = branches(s.get("Resource"));
    if (resources.isEmpty()) {
      out.add(where + ": no Resource");
    }
    for (Object r : resources) {
      resourceProblems(t, where, actions, s, r, out);
    }
  }

  private static void resourceProblems(
      Map<String, Object> t,
      String where,
      List<String> actions,
      Map<String, Object> s,
      Object r,
      List<String> out) {
    if ("*".equals(r)) {
      for (String a : actions) {
        Allowed allowed = STAR_RESOURCE.get(a);
        if (allowed == null) {
          out.add(where + ": Resource \"*\" for " + a + ", which can be scoped to a resource");
        } else if (!mentions(s.get("Condition"), allowed.conditionKey)) {
          out.add(
              where
                  + ": Resource \"*\" for "
                  + a
                  + " without a "
                  + allowed.conditionKey
                  + " condition");
        }
      }
      return;
    }
    if (r instanceof String) {
      out.add(where + ": literal '" + r + "' names nothing this template creates");
      return;
    }
    Map<String, Object> m = map(r);
    if (m.containsKey("Fn::GetAtt")) {
      if (!resources(t).containsKey(getAtt(m.get("Fn::GetAtt"))[0])) {
        out.add(where + ": " + m + " names nothing this template creates");
      }
      return;
    }
    if (m.containsKey("Ref")) {
      if (!resources(t).containsKey(String.valueOf(m.get("Ref")))) {
        foreign(where, "Ref " + m.get("Ref"), actions, s, out);
      }
      return;
    }
    if (!(m.get("Fn::Sub") instanceof String)) {
      out.add(where + ": resource " + r + " is no Ref, Fn::GetAtt or string Fn::Sub");
      return;
    }
    String text = (String) m.get("Fn::Sub");
    Matcher v = VAR.matcher(text);
    while (v.find()) {
      String name = v.group(1);
      String base = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
      if (resources(t).containsKey(base)) {
        String before = text.substring(0, v.start());
        String after = text.substring(v.end());
        if (before.contains("*")) {
          out.add(where + ": '" + text + "' has a wildcard before ${" + name + "}");
        }
        Matcher earlier = VAR.matcher(before);
        while (earlier.find()) {
          if (!PSEUDO.containsKey(earlier.group(1))) {
            out.add(
                where + ": '" + text + "' has ${" + earlier.group(1) + "} before ${" + name + "}");
          }
        }
        if (!after.isEmpty() && after.charAt(0) != '/' && after.charAt(0) != ':') {
          out.add(
              where
                  + ": '"
                  + text
                  + "' also matches resources whose names begin like ${"
                  + name
                  + "}");
        }
        return;
      }
    }
    foreign(where, text, actions, s, out);
  }

  private static void foreign(
      String where,
      String expression,
      List<String> actions,
      Map<String, Object> s,
      List<String> out) {
    Allowed allowed = FOREIGN_RESOURCES.get(expression);
    if (allowed == null) {
      out.add(where + ": '" + expression + "' names nothing this template creates");
      return;
    }
    for (String a : actions) {
      if (!allowed.actions.contains(a)) {
        out.add(
            where
                + ": "
                + a
                + " on '"
                + expression
                + "'. Allowed there only "
                + allowed.actions
                + ", because: "
                + allowed.reason);
      }
    }
    if (allowed.conditionKey != null && !mentions(s.get("Condition"), allowed.conditionKey)) {
      out.add(where + ": '" + expression + "' without a " + allowed.conditionKey + " condition");
    }
  }

  /** The actions granted on exactly this resource expression, over every role statement. */
  private static Set<String> grantsOn(Map<String, Object> t, Object resource) {
    Set<String> actions = new TreeSet<>();
    for (Object s : roleStatements(t)) {
      for (Object branch : branches(List.of(s))) {
        Map<String, Object> st = map(branch);
        if ("Allow".equals(st.get("Effect")) && branches(st.get("Resource")).contains(resource)) {
          actions.addAll(strings(st.get("Action")));
        }
      }
    }
    return actions;
  }

  // ---------------------------------------------------------------- bucket, application, params

  static List<String> bucketProblems(Map<String, Object> t) {
    List<String> problems = new ArrayList<>();
    ofType(t, "AWS::S3::Bucket")
        .forEach(
            name -> {
              Map<String, Object> p = props(t, name);
              Object versioning = p.get("VersioningConfiguration");
              if (versioning == null || !"Enabled".equals(map(versioning).get("Status"))) {
                problems.add(name + ": not versioned");
              }
              Object encryption = p.get("BucketEncryption");
              List<Object> rules =
                  encryption == null
                      ? List.of()
                      : list(map(encryption).get("ServerSideEncryptionConfiguration"));
              if (rules.isEmpty()) {
                problems.add(name + ": not encrypted");
              }
              for (Object rule : rules) {
                Object algorithm =
                    map(map(rule).get("ServerSideEncryptionByDefault")).get("SSEAlgorithm");
                for (Object a : branches(List.of(algorithm))) {
                  if (!Set.of("AES256", "aws:kms", "aws:kms:dsse").contains(a)) {
                    problems.add(name + ": not encrypted with a known algorithm: " + a);
                  }
                }
              }
              Map<String, Object> block =
                  map(p.getOrDefault("PublicAccessBlockConfiguration", Map.of()));
              for (String k :
                  List.of(
                      "BlockPublicAcls",
                      "BlockPublicPolicy",
                      "IgnorePublicAcls",
                      "RestrictPublicBuckets")) {
                if (!Boolean.TRUE.equals(block.get(k))) {
                  problems.add(name + ": public access not blocked: " + k);
                }
              }
              if (!deniesPlainHttp(t, name)) {
                problems.add(
                    name
                        + ": no bucket policy denies requests with aws:SecureTransport false"
                        + " on the bucket and its objects");
              }
            });
    return problems;
  }

  private static boolean deniesPlainHttp(Map<String, Object> t, String bucket) {
    for (String policy : ofType(t, "AWS::S3::BucketPolicy")) {
      Map<String, Object> p = props(t, policy);
      if (!Map.of("Ref", bucket).equals(p.get("Bucket"))) {
        continue;
      }
      for (Object s : branches(map(p.get("PolicyDocument")).get("Statement"))) {
        Map<String, Object> st = map(s);
        Object secure =
            map(map(st.getOrDefault("Condition", Map.of())).getOrDefault("Bool", Map.of()))
                .get("aws:SecureTransport");
        List<Object> on = branches(st.get("Resource"));
        if ("Deny".equals(st.get("Effect"))
            && "*".equals(st.get("Principal"))
            && strings(st.get("Action")).contains("s3:*")
            && "false".equals(String.valueOf(secure))
            && on.contains(Map.of("Fn::GetAtt", List.of(bucket, "Arn")))
            && on.contains(Map.of("Fn::Sub", "${" + bucket + ".Arn}/*"))) {
          return true;
        }
      }
    }
    return false;
  }

  static List<String> applicationProblems(Map<String, Object> t) {
    List<String> problems = new ArrayList<>();
    List<String> apps = ofType(t, "AWS::KinesisAnalyticsV2::Application");
    if (apps.size() != 1) {
      problems.add("expected one MSF application, found " + apps);
    }
    for (String name : apps) {
      Map<String, Object> p = props(t, name);
      if (!"FLINK-1_20".equals(p.get("RuntimeEnvironment"))) {
        problems.add(name + ": runtime " + p.get("RuntimeEnvironment") + ", not FLINK-1_20");
      }
      Object role = p.get("ServiceExecutionRole");
      if (!(role instanceof Map)
          || !map(role).containsKey("Fn::GetAtt")
          || !ofType(t, "AWS::IAM::Role").contains(getAtt(map(role).get("Fn::GetAtt"))[0])) {
        problems.add(name + ": service role is not this template's role: " + role);
      }
      Map<String, Object> config = map(p.get("ApplicationConfiguration"));
      Object snapshots =
          map(config.getOrDefault("ApplicationSnapshotConfiguration", Map.of()))
              .get("SnapshotsEnabled");
      if (!Boolean.TRUE.equals(snapshots)) {
        problems.add(name + ": SnapshotsEnabled is " + snapshots);
      }
      Map<String, Object> flink =
          map(config.getOrDefault("FlinkApplicationConfiguration", Map.of()));
      Map<String, Object> checkpoints =
          map(flink.getOrDefault("CheckpointConfiguration", Map.of()));
      if (!"CUSTOM".equals(checkpoints.get("ConfigurationType"))
          || !Boolean.TRUE.equals(checkpoints.get("CheckpointingEnabled"))
          || !checkpoints.containsKey("CheckpointInterval")) {
        problems.add(
            name
                + ": checkpoints not CUSTOM with CheckpointingEnabled true and an"
                + " interval: "
                + checkpoints);
      }
      Map<String, Object> monitoring = map(flink.getOrDefault("MonitoringConfiguration", Map.of()));
      if (!"CUSTOM".equals(monitoring.get("ConfigurationType"))
          || !monitoring.containsKey("MetricsLevel")
          || !monitoring.containsKey("LogLevel")) {
        problems.add(name + ": monitoring not CUSTOM with a metrics and a log level");
      }
      Map<String, Object> parallelism =
          map(flink.getOrDefault("ParallelismConfiguration", Map.of()));
      Map<String, Object> expected = new LinkedHashMap<>();
      expected.put("ConfigurationType", "CUSTOM");
      expected.put("Parallelism", Map.of("Ref", "Parallelism"));
      expected.put("ParallelismPerKPU", Map.of("Ref", "ParallelismPerKPU"));
      expected.put("AutoScalingEnabled", Map.of("Ref", "AutoScaling"));
      if (!expected.equals(parallelism)) {
        problems.add(name + ": parallelism not taken from the parameters: " + parallelism);
      }
      boolean logged =
          ofType(t, "AWS::KinesisAnalyticsV2::ApplicationCloudWatchLoggingOption").stream()
              .anyMatch(o -> Map.of("Ref", name).equals(props(t, o).get("ApplicationName")));
      if (!logged) {
        problems.add(name + ": no CloudWatch logging option for the application");
      }
    }
    return problems;
  }

  static List<String> parameterProblems(Map<String, Object> t) {
    List<String> problems = new ArrayList<>();
    Set<String> used = new TreeSet<>();
    names(resources(t), used);
    names(conditions(t), used);
    names(t.get("Outputs"), used);
    parameters(t)
        .forEach(
            (name, spec) -> {
              Map<String, Object> p = map(spec);
              if (!used.contains(name)) {
                problems.add(name + ": declared but never used");
              }
              if (!p.containsKey("Default")) {
                problems.add(name + ": no default");
                return;
              }
              Object d = p.get("Default");
              String value = String.valueOf(d);
              if (p.containsKey("AllowedPattern")
                  && !Pattern.compile((String) p.get("AllowedPattern")).matcher(value).matches()) {
                problems.add(name + ": default '" + value + "' fails its AllowedPattern");
              }
              if (p.containsKey("AllowedValues")
                  && !strings(p.get("AllowedValues")).contains(value)) {
                problems.add(name + ": default '" + value + "' is not an AllowedValue");
              }
              if ("Number".equals(p.get("Type"))) {
                double n = Double.parseDouble(value);
                if (p.containsKey("MinValue") && n < ((Number) p.get("MinValue")).doubleValue()
                    || p.containsKey("MaxValue")
                        && n > ((Number) p.get("MaxValue")).doubleValue()) {
                  problems.add(name + ": default " + value + " outside MinValue..MaxValue");
                }
              }
            });
    return problems;
  }

  /** Every name a Ref or a ${...} of Fn::Sub refers to (attributes cut off). */
  private static void names(Object node, Set<String> out) {
    if (node instanceof List) {
      list(node).forEach(n -> names(n, out));
    } else if (node instanceof Map) {
      Map<String, Object> m = map(node);
      if (m.size() == 1 && m.get("Ref") instanceof String) {
        out.add((String) m.get("Ref"));
      } else if (m.size() == 1 && m.containsKey("Fn::Sub")) {
        Object arg = m.get("Fn::Sub");
        Matcher v = VAR.matcher(String.valueOf(arg instanceof List ? list(arg).get(0) : arg));
        while (v.find()) {
          out.add(v.group(1).split("\\.")[0]);
        }
        if (arg instanceof List) {
          names(list(arg).get(1), out);
        }
      } else {
        m.values().forEach(n -> names(n, out));
      }
    }
  }

  // ---------------------------------------------------------------- reading the template

  static Map<String, Object> template() throws IOException {
    return parse(Files.readString(TEMPLATE));
  }

  static Map<String, Object> parse(String yaml) {
    // CloudFormation rejects duplicate keys too; a YAML parser would keep the last silently.
    LoadSettings settings = LoadSettings.builder().setAllowDuplicateKeys(false).build();
    return map(new Load(settings).loadFromString(yaml));
  }

  static Map<String, Object> parameters(Map<String, Object> t) {
    return map(t.getOrDefault("Parameters", new LinkedHashMap<>()));
  }

  static Map<String, Object> param(Map<String, Object> t, String name) {
    return map(parameters(t).get(name));
  }

  static Map<String, Object> conditions(Map<String, Object> t) {
    return map(t.getOrDefault("Conditions", new LinkedHashMap<>()));
  }

  static Map<String, Object> resources(Map<String, Object> t) {
    return map(t.get("Resources"));
  }

  static Map<String, Object> resource(Map<String, Object> t, String name) {
    Object r = resources(t).get(name);
    if (r == null) {
      throw new AssertionError("no resource " + name);
    }
    return map(r);
  }

  static Map<String, Object> props(Map<String, Object> t, String name) {
    return map(resource(t, name).get("Properties"));
  }

  static List<String> ofType(Map<String, Object> t, String type) {
    List<String> names = new ArrayList<>();
    resources(t)
        .forEach(
            (n, r) -> {
              if (type.equals(map(r).get("Type"))) {
                names.add(n);
              }
            });
    return names;
  }

  static List<Object> roleStatements(Map<String, Object> t) {
    List<Object> statements = new ArrayList<>();
    for (String role : ofType(t, "AWS::IAM::Role")) {
      for (Object policy : branches(props(t, role).getOrDefault("Policies", List.of()))) {
        statements.addAll(list(map(map(policy).get("PolicyDocument")).get("Statement")));
      }
    }
    return statements;
  }

  private static Map<String, Object> statement(Map<String, Object> t, String sid) {
    for (Object s : roleStatements(t)) {
      if (s instanceof Map && sid.equals(map(s).get("Sid"))) {
        return map(s);
      }
    }
    throw new AssertionError("no statement " + sid);
  }

  /** A value or list of values, with both branches of every Fn::If and no AWS::NoValue. */
  static List<Object> branches(Object node) {
    List<Object> out = new ArrayList<>();
    if (node == null) {
      return out;
    }
    for (Object item : node instanceof List ? list(node) : List.of(node)) {
      if (item instanceof Map && map(item).size() == 1 && map(item).containsKey("Fn::If")) {
        List<Object> l = list(map(item).get("Fn::If"));
        out.addAll(branches(l.get(1)));
        out.addAll(branches(l.get(2)));
      } else if (!Map.of("Ref", "AWS::NoValue").equals(item)) {
        out.add(item);
      }
    }
    return out;
  }

  /** True when the condition block names this key under any operator. */
  private static boolean mentions(Object condition, String key) {
    if (!(condition instanceof Map)) {
      return false;
    }
    return map(condition).values().stream()
        .anyMatch(op -> op instanceof Map && map(op).containsKey(key));
  }

  static List<String> strings(Object o) {
    if (o == null) {
      return new ArrayList<>();
    }
    if (o instanceof List) {
      return list(o).stream().map(String::valueOf).collect(Collectors.toList());
    }
    return new ArrayList<>(List.of(String.valueOf(o)));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    if (!(o instanceof Map)) {
      throw new AssertionError("expected a mapping, found " + o);
    }
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    if (!(o instanceof List)) {
      throw new AssertionError("expected a list, found " + o);
    }
    return (List<Object>) o;
  }
}
